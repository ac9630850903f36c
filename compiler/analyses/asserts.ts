// `assert never TARGET [when COND]`: the compiler proves that no request the assertion covers can
// be allowed, or refuses the policy with a concrete counterexample request (docs/verification.md).
//
// Targets are split exactly: every glob compiles to an automaton, and the product of the
// assertion's, the rules' and the canonical-path automata gives every distinct combination of
// matching globs with a witness target. Within one combination, the request's other parts are
// enumerated over candidate values drawn from the policy's own constants; that enumeration is
// exact for conditions built from comparisons of fields with constants, and a search otherwise.
import { compileGlob, compileRegex, dfaAccepts } from "../../stdlib/automata/compile.js";
import type { Dfa } from "../../stdlib/automata/dfa.js";
import { isPatternError } from "../../stdlib/automata/errors.js";
import { regions, canonicalPathDfa } from "../../stdlib/automata/product.js";
import { prepareRequest } from "../../stdlib/abi/prepare.js";
import { SYSCALLS, type Syscall, type TypeDesc, type Request } from "../../stdlib/abi/types.js";
import { diag, type Diagnostic } from "../../grammar/diagnostics.js";
import { interpret, evalExpr, selects } from "../interpret.js";
import type { CheckedAssert, CheckedPolicy, IExpr, TargetSel } from "../ir.js";
import { mayApply } from "../planner.js";
import { argsType } from "../check/index.js";

/** Most requests tried per target region before the search gives up proving. */
const MAX_TRIES = 20_000;

export function verifyAsserts(cp: CheckedPolicy): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const a of cp.asserts) {
    const r = verifyOne(cp, a);
    if (r) out.push(r);
  }
  return out;
}

interface Target { syscall: Syscall; target: string; targetIndex: number; exactTarget: boolean }

function verifyOne(cp: CheckedPolicy, a: CheckedAssert): Diagnostic | null {
  let inexact: string | null = null;
  for (const sc of SYSCALLS) {
    if (!mayApply(a.target, sc)) continue;
    const allows = cp.rules.filter((r) => r.effect === "allow" && mayApply(r.target, sc));
    if (allows.length === 0) continue; // nothing can allow: the on-violation effect is never allow
    const targets = targetsFor(cp, a, sc);
    if (!targets) { inexact ??= "the globs combine into too many target regions"; continue; }
    for (const t of targets) {
      // Only the rules that select this target matter; the target step told us exactly which.
      const sel = { ok: true as const, syscall: t.syscall, target: t.target, targetIndex: t.targetIndex, agent: { id: "", name: "", role: "", tenant: "", labels: {} }, args: undefined };
      if (!selects(a.target, sel)) continue;
      const relevant = cp.rules.filter((r) => r.effect !== "audit" && selects(r.target, sel));
      if (!relevant.some((r) => r.effect === "allow")) continue;
      // An unconditional kill, deny or stop on this target outranks every allow: exactly safe.
      if (relevant.some((r) => r.effect !== "allow" && !r.cond)) continue;
      const conds = [a.cond, ...relevant.map((r) => r.cond)];
      const space = new Space(cp, sc, t, conds);
      if (!t.exactTarget && usesTarget(conds)) inexact ??= "a condition reads `target`, which the verifier samples";
      if (sc === "net.fetch" && usesUrlParts(conds)) inexact ??= "a condition reads the URL's host, port or path, which the verifier samples";
      const found = space.search((req) => {
        const p = prepareRequest(cp, req);
        if (!p.ok || !selects(a.target, p)) return false;
        if (a.cond && !evalExpr(a.cond, p, [])) return false;
        return interpret(cp, req).effect === "allow";
      });
      if (found.request) {
        const d = interpret(cp, found.request);
        return diag("E0601", `\`assert never ${a.targetText}\` does not hold: rule \`${d.rule}\` allows a request it forbids`, a.span, [
          `counterexample: ${JSON.stringify(found.request)}`,
        ]);
      }
      if (!found.exhaustive) inexact ??= found.why;
    }
  }
  if (inexact) {
    return diag("E0602", `cannot prove \`assert never ${a.targetText}\`: ${inexact}; no counterexample was found`, a.span, [
      "restrict the allowing rules with comparisons against constants, or add an unconditional deny for the asserted target",
    ]);
  }
  return null;
}

function usesTarget(conds: (IExpr | null)[]): boolean {
  let found = false;
  for (const c of conds) if (c) walk(c, (e) => { if (e.op === "target") found = true; });
  return found;
}

/** `args.host`, `args.port`, `args.path` of a fetch: parts of the target, one sample per region. */
function usesUrlParts(conds: (IExpr | null)[]): boolean {
  let found = false;
  for (const c of conds) if (c) walk(c, (e) => { if (e.op === "field" && e.object.op === "args" && ["host", "port", "path"].includes(e.name)) found = true; });
  return found;
}

/** The distinct targets to try for a syscall: one witness per region of the glob product. */
function targetsFor(cp: CheckedPolicy, a: CheckedAssert, sc: Syscall): Target[] | null {
  if (sc === "tool.call") return cp.tools.map((t, i) => ({ syscall: sc, target: t.name, targetIndex: i, exactTarget: true }));
  if (sc === "pipe.send" || sc === "pipe.recv") return cp.pipes.map((p, i) => ({ syscall: sc, target: p.name, targetIndex: i, exactTarget: true }));
  if (sc === "spawn" || sc === "signal" || sc === "checkpoint") return [{ syscall: sc, target: "x", targetIndex: -1, exactTarget: false }];
  const kind = sc === "net.fetch" ? "url" : "path";
  const globs = [...new Set([a.target, ...cp.rules.map((r) => r.target)].filter((t) => mayApply(t, sc) && (t.kind === "fs" || t.kind === "net")).map(globOf))];
  const dfas: Dfa[] = globs.map((g) => {
    const d = compileGlob(g, kind);
    if (isPatternError(d)) throw new TypeError(`unchecked glob ${g}`);
    return d;
  });
  // Only canonical targets reach a decision: intersect with (a superset of) their language.
  dfas.push(kind === "path" ? canonicalPathDfa() : urlShapeDfa());
  const rs = regions(dfas, { maxStates: 200_000 });
  if (!Array.isArray(rs)) return null;
  const out: Target[] = [];
  for (const r of rs) {
    if (!r.accepts[dfas.length - 1]) continue;
    let target = r.witness;
    if (kind === "url") {
      // The witness has the shape of a URL; its canonical form must stay in the same region.
      const fixed = canonicalUrl(target);
      if (!fixed || dfas.some((d, i) => dfaAccepts(d, fixed) !== r.accepts[i])) return null;
      target = fixed;
    }
    // One witness stands for a whole region: the rules select alike, but `target` differs.
    out.push({ syscall: sc, target, targetIndex: -1, exactTarget: false });
  }
  return out;
}

let urlShape: Dfa | null = null;
/** Every canonical http(s) URL has this shape (a superset: not every such string is canonical). */
function urlShapeDfa(): Dfa {
  if (!urlShape) {
    const d = compileRegex("^https?://[a-z0-9.-]+(:[0-9]+)?/[A-Za-z0-9._~!$&'()*+,;=:@/?%-]*$");
    if (isPatternError(d)) throw new TypeError(d.message);
    urlShape = d;
  }
  return urlShape;
}

function canonicalUrl(s: string): string | null {
  try {
    const u = new URL(s);
    if ((u.protocol !== "http:" && u.protocol !== "https:") || u.hash || u.username) return null;
    return u.href;
  } catch {
    return null;
  }
}

function globOf(t: TargetSel): string {
  return t.kind === "fs" || t.kind === "net" ? t.glob : "";
}

function walk(e: IExpr, f: (e: IExpr) => void): void {
  f(e);
  switch (e.op) {
    case "label": walk(e.key, f); break;
    case "field": walk(e.object, f); break;
    case "length": walk(e.object, f); break;
    case "builtin": walk(e.receiver, f); e.args.forEach((x) => walk(x, f)); break;
    case "ip": walk(e.arg, f); break;
    case "not": case "neg": walk(e.operand, f); break;
    case "and": case "or": case "cmp": walk(e.left, f); walk(e.right, f); break;
    case "in-list": walk(e.item, f); walk(e.list, f); break;
    case "in-range": walk(e.item, f); walk(e.lo, f); walk(e.hi, f); break;
    case "quant": walk(e.list, f); walk(e.body, f); break;
  }
}

/** The request space of one target: the agent and args leaves the conditions read, with candidates. */
class Space {
  /** Numeric constants the conditions hold (and their negations, for `-args.x < c`). */
  private readonly nums = new Set<number>([0]);
  private readonly strs = new Set<string>(["", "zz-other"]);
  private exact = true;
  private why = "";
  private readonly agentFields = new Set<"id" | "name" | "role" | "tenant">();
  private readonly labelKeys = new Set<string>();

  constructor(private readonly cp: CheckedPolicy, private readonly sc: Syscall, private readonly t: Target, conds: (IExpr | null)[]) {
    for (const c of conds) if (c) this.collect(c);
  }

  private inexact(why: string) {
    if (this.exact) { this.exact = false; this.why = why; }
  }

  private collect(e: IExpr): void {
    walk(e, (x) => {
      switch (x.op) {
        case "const":
          if (typeof x.value === "number") { this.nums.add(x.value); this.nums.add(-x.value); }
          if (typeof x.value === "string") this.strs.add(x.value);
          if (Array.isArray(x.value)) for (const v of x.value) {
            if (typeof v === "number") { this.nums.add(v); this.nums.add(-v); }
            if (typeof v === "string") this.strs.add(v);
          }
          break;
        case "agent": this.agentFields.add(x.field); break;
        case "label":
          if (x.key.op === "const") this.labelKeys.add(x.key.value as string);
          else this.inexact("a label is looked up by a computed key");
          break;
        case "builtin": {
          this.inexact(`\`${x.name.split(".")[1]}\` is decided by sampling`);
          for (const a of [...x.args, x.receiver]) if (a.op === "const" && typeof a.value === "string") { this.strs.add(a.value + "x"); this.strs.add("x" + a.value); }
          break;
        }
        case "length": this.inexact("`.length` is decided by sampling"); break;
        case "quant": this.inexact("quantifiers are decided by sampling"); break;
        case "cmp": if (x.left.op !== "const" && x.right.op !== "const") this.inexact("a comparison of two non-constant values is decided by sampling"); break;
        case "in-list": if (x.list.op !== "const") this.inexact("`in` over a request list is decided by sampling"); break;
        case "in-range": if (x.lo.op !== "const" || x.hi.op !== "const") this.inexact("a range with non-constant ends is decided by sampling"); break;
      }
    });
  }

  /**
   * One number from every region the constants cut the line into: each constant, a point strictly
   * between each two neighbours, and one beyond each end. A comparison of a field with a constant
   * is the same anywhere in a region, so these cover every case. (Offsets of ±0.5 and ±1 around
   * each constant did not: 999.99 < x < 1000 holds for none of them, and an allow there was
   * "proved" never to happen.)
   */
  private numberRegions(): number[] {
    const c = [...this.nums].filter((n) => Number.isFinite(n)).sort((a, b) => a - b);
    const lo = c[0]!, hi = c.at(-1)!;
    const out = [...c];
    // Beyond the ends (requests carry finite numbers only; c - 1 is c itself for huge c).
    if (lo > -Number.MAX_VALUE) out.push(lo - 1 < lo ? lo - 1 : -Number.MAX_VALUE);
    if (hi < Number.MAX_VALUE) out.push(hi + 1 > hi ? hi + 1 : Number.MAX_VALUE);
    for (let i = 0; i + 1 < c.length; i++) {
      const mid = c[i]! / 2 + c[i + 1]! / 2; // halves first: no overflow between far-apart constants
      if (mid > c[i]! && mid < c[i + 1]!) out.push(mid);
    }
    return out;
  }

  private candidates(t: TypeDesc, optional: boolean, depth: number): unknown[] {
    const base = ((): unknown[] => {
      switch (t.t) {
        case "number": return this.numberRegions();
        case "string": return [...this.strs];
        case "bool": return [true, false];
        case "enum": return t.values;
        case "array": {
          if (t.max === 0) return [[]];
          const elems = depth > 2 ? [] : this.candidates(t.elem, false, depth + 1).slice(0, 6);
          this.inexact("list contents are sampled");
          return [[], ...elems.map((x) => [x])];
        }
        case "record": return this.records(t, depth);
      }
    })();
    return optional ? [undefined, ...base] : base;
  }

  private records(t: Extract<TypeDesc, { t: "record" }>, depth: number): unknown[] {
    const per = t.fields.map((f) => this.candidates(f.type, f.optional, depth + 1));
    const total = per.reduce((n, d) => n * d.length, 1);
    if (total > MAX_TRIES) this.inexact(`a record has ${total} combinations of field values and only ${MAX_TRIES} were tried`);
    return product(per, MAX_TRIES).map((vals) => {
      const o: Record<string, unknown> = {};
      t.fields.forEach((f, i) => { if (vals[i] !== undefined) o[f.name] = vals[i]; });
      return o;
    });
  }

  /** Tries requests until `bad` holds for one; says whether the tries covered every case. */
  search(bad: (r: Request) => boolean): { request: Request | null; exhaustive: boolean; why: string } {
    const sel = this.sc === "tool.call" ? { kind: "tool", name: this.t.target, toolIndex: this.t.targetIndex } as TargetSel
      : this.sc === "pipe.send" || this.sc === "pipe.recv" ? { kind: "pipe", op: this.sc === "pipe.send" ? "send" : "recv", syscall: this.sc, name: this.t.target, pipeIndex: this.t.targetIndex } as TargetSel
      : this.sc === "fs.write" ? { kind: "fs", op: "write", syscall: "fs.write", glob: "" } as TargetSel
      : this.sc === "net.fetch" ? { kind: "net", glob: "" } as TargetSel : { kind: "any" } as TargetSel;
    let argsTy = argsType(sel, this.cp.tools, this.cp.pipes);
    if (this.sc === "net.fetch") argsTy = { t: "record", fields: [{ name: "method", optional: false, type: { t: "string" } }, { name: "size", optional: false, type: { t: "number" } }] };
    const argCands = argsTy ? this.candidates(argsTy, false, 0) : [undefined];
    const fields = [...this.agentFields];
    const keys = [...this.labelKeys];
    const strs = [...this.strs];
    const dims: unknown[][] = [argCands, ...fields.map(() => strs), ...keys.map(() => [undefined, ...strs])];
    const total = dims.reduce((n, d) => n * d.length, 1);
    if (total > MAX_TRIES) this.inexact(`the request space has ${total} cases and only ${MAX_TRIES} were tried`);
    for (const combo of product(dims, MAX_TRIES)) {
      const agent: Record<string, unknown> = {};
      fields.forEach((f, i) => { agent[f] = combo[1 + i]; });
      const labels: Record<string, string> = {};
      keys.forEach((k, i) => { const v = combo[1 + fields.length + i]; if (v !== undefined) labels[k] = v as string; });
      if (keys.length) agent.labels = labels;
      const req: Request = { agent, syscall: this.sc, target: this.t.target, args: combo[0] };
      if (bad(req)) return { request: req, exhaustive: this.exact, why: this.why };
    }
    return { request: null, exhaustive: this.exact, why: this.why };
  }
}

/** The cartesian product, first `limit` combinations (in an order that varies every dimension early). */
function product(dims: unknown[][], limit: number): unknown[][] {
  const out: unknown[][] = [];
  if (dims.some((d) => d.length === 0)) return out;
  const idx = dims.map(() => 0);
  while (out.length < limit) {
    out.push(idx.map((i, k) => dims[k]![i]));
    let k = 0;
    while (k < dims.length) {
      idx[k]!++;
      if (idx[k]! < dims[k]!.length) break;
      idx[k] = 0;
      k++;
    }
    if (k === dims.length) break;
  }
  return out;
}

