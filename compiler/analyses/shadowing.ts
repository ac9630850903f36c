// Warns about rules that can never be the reported rule: an unconditional rule on the same
// target (or on every target) with higher precedence, or with equal effect earlier in the source,
// always wins first. Also flags exact duplicates.
import { diag, withRelated, type Diagnostic } from "../../grammar/diagnostics.js";
import { EFFECT_RANK, type CheckedPolicy, type CheckedRule } from "../ir.js";

const rank = (r: CheckedRule) => (r.effect === "audit" ? -1 : EFFECT_RANK[r.effect]);

/** The earliest unconditional rule of each effect rank among rules that cover the same targets. */
class Winners {
  private readonly first = new Map<string, (CheckedRule | undefined)[]>();
  add(key: string, o: CheckedRule): void {
    let byRank = this.first.get(key);
    if (!byRank) this.first.set(key, (byRank = []));
    const k = rank(o);
    if (!byRank[k]) byRank[k] = o;
  }
  /** The earliest rule under `key` that always decides before `r` would. */
  before(key: string, r: CheckedRule): CheckedRule | undefined {
    const byRank = this.first.get(key);
    if (!byRank) return undefined;
    let best: CheckedRule | undefined;
    for (let k = rank(r); k < byRank.length; k++) {
      const o = byRank[k];
      if (!o || (k === rank(r) && o.index >= r.index)) continue;
      if (!best || o.index < best.index) best = o;
    }
    return best;
  }
}

// Indexed by target text, so a large policy costs a few map lookups per rule, not a scan of all of
// them: a rule is covered by an unconditional `*` rule, a `tool *` rule (tool rules), or one on
// exactly its target.
export function shadowing(cp: CheckedPolicy): Diagnostic[] {
  const out: Diagnostic[] = [];
  const src = cp.source;
  const condText = (r: CheckedRule) => (r.cond ? src.slice(r.cond.span.offset, r.cond.span.endOffset) : "");
  const firstOf = new Map<string, CheckedRule>();
  const winners = new Winners();
  for (const o of cp.rules) {
    const key = `${o.effect}\0${o.targetText}\0${condText(o)}`;
    if (!firstOf.has(key)) firstOf.set(key, o);
    if (o.effect === "audit" || o.cond) continue;
    winners.add("target:" + o.targetText, o);
    if (o.target.kind === "any") winners.add("any", o);
    if (o.target.kind === "tool" && o.target.name === "*") winners.add("tool *", o);
  }
  for (const r of cp.rules) {
    if (r.effect === "audit") continue;
    const dup = firstOf.get(`${r.effect}\0${r.targetText}\0${condText(r)}`);
    if (dup && dup.index < r.index) { out.push(withRelated(diag("W0103", `this rule repeats the rule \`${dup.id}\` at line ${dup.span.line}`, r.span), { span: dup.span, message: `the rule \`${dup.id}\`` })); continue; }
    const found = [winners.before("any", r), r.target.kind === "tool" ? winners.before("tool *", r) : undefined, winners.before("target:" + r.targetText, r)];
    const w = found.reduce<CheckedRule | undefined>((a, b) => (b && (!a || b.index < a.index) ? b : a), undefined);
    if (w) out.push(withRelated(diag("W0101", `this rule never decides: \`${w.effect} ${w.targetText}\` (${w.id}, line ${w.span.line}) always takes precedence`, r.span), { span: w.span, message: `the rule \`${w.id}\`, which takes precedence` }));
  }
  return out;
}
