// Warns about rules that can never be the reported rule: an unconditional rule on the same
// target (or on every target) with higher precedence, or with equal effect earlier in the source,
// always wins first. Also flags exact duplicates.
import { diag, type Diagnostic } from "../diagnostics.js";
import { EFFECT_RANK, type CheckedPolicy, type CheckedRule } from "../ir.js";

const rank = (r: CheckedRule) => (r.effect === "audit" ? -1 : EFFECT_RANK[r.effect]);

function covers(winner: CheckedRule, r: CheckedRule): boolean {
  if (winner.target.kind === "any") return true;
  if (winner.target.kind === "tool" && winner.target.name === "*" && r.target.kind === "tool") return true;
  return winner.targetText === r.targetText;
}

export function shadowing(cp: CheckedPolicy): Diagnostic[] {
  const out: Diagnostic[] = [];
  const src = cp.source;
  const condText = (r: CheckedRule) => (r.cond ? src.slice(r.cond.span.offset, r.cond.span.endOffset) : "");
  for (const r of cp.rules) {
    if (r.effect === "audit") continue;
    const dup = cp.rules.find((o) => o.index < r.index && o.effect === r.effect && o.targetText === r.targetText && condText(o) === condText(r));
    if (dup) { out.push(diag("W0103", `this rule repeats the rule \`${dup.id}\` at line ${dup.span.line}`, r.span)); continue; }
    const w = cp.rules.find((o) => o !== r && o.effect !== "audit" && !o.cond && covers(o, r) && (rank(o) > rank(r) || (rank(o) === rank(r) && o.index < r.index)));
    if (w) out.push(diag("W0101", `this rule never decides: \`${w.effect} ${w.targetText}\` (${w.id}, line ${w.span.line}) always takes precedence`, r.span));
  }
  return out;
}
