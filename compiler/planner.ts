// The planner turns a checked policy into decision tables: for every syscall, how the target
// selects a group of candidate rules, each group already in precedence order. A decision then
// costs the candidates of one target, never the whole policy (docs/abi.md, "Inside the module").
import { compileCombined } from "../stdlib/automata/compile.js";
import type { Dfa } from "../stdlib/automata/dfa.js";
import { isPatternError } from "../stdlib/automata/errors.js";
import { SYSCALLS, type Syscall } from "../stdlib/abi/types.js";
import { EFFECT_RANK, type CheckedPolicy, type CheckedRule, type TargetSel } from "./ir.js";

export interface Candidate {
  rule: number;
  /** A glob the target must also match: only in the fallback for automata too large to combine. */
  glob: { kind: "path" | "url"; src: string } | null;
}

export interface Group {
  /** Non-audit candidates, most precedent first (kill, deny, stop, allow; source order within). */
  candidates: Candidate[];
  /** Audit candidates in source order. */
  audits: Candidate[];
}

export type SyscallPlan =
  | { kind: "static"; group: Group }
  | { kind: "indexed"; groups: Group[] }
  | { kind: "dfa"; dfa: Dfa; groups: Group[] };

export type Plan = Record<Syscall, SyscallPlan>;

/** Largest combined automaton per syscall before the planner falls back to per-rule automata. */
export const MAX_COMBINED_STATES = 200_000;

const GLOB_SYSCALLS = new Set<Syscall>(["fs.read", "fs.write", "fs.list", "fs.delete", "net.fetch"]);

export interface PlanOptions {
  /** Largest combined automaton per syscall (default MAX_COMBINED_STATES). */
  maxCombinedStates?: number;
}

export function plan(cp: CheckedPolicy, opts: PlanOptions = {}): Plan {
  const out = {} as Plan;
  for (const sc of SYSCALLS) out[sc] = planSyscall(cp, sc, opts.maxCombinedStates ?? MAX_COMBINED_STATES);
  return out;
}

function planSyscall(cp: CheckedPolicy, sc: Syscall, maxStates: number): SyscallPlan {
  const rules = cp.rules.filter((r) => mayApply(r.target, sc));
  if (sc === "tool.call" || sc === "pipe.send" || sc === "pipe.recv") {
    const n = sc === "tool.call" ? cp.tools.length : cp.pipes.length;
    // Bucketed by target index in one pass (a filter per target would cost targets × rules).
    const everyTarget: CheckedRule[] = [];
    const byTarget: CheckedRule[][] = Array.from({ length: n }, () => []);
    for (const r of rules) {
      const i = targetIndexOf(r.target);
      if (i === null) everyTarget.push(r);
      else if (i >= 0 && i < n) byTarget[i]!.push(r);
    }
    return { kind: "indexed", groups: byTarget.map((own) => group([...everyTarget, ...own].map(plain))) };
  }
  if (!GLOB_SYSCALLS.has(sc)) return { kind: "static", group: group(rules.map(plain)) };

  const globbed = rules.filter((r) => r.target.kind === "fs" || r.target.kind === "net");
  const kind = sc === "net.fetch" ? "url" : "path";
  const globs = [...new Set(globbed.map((r) => globOf(r.target)))];
  const dfa = globs.length === 0 ? null : compileCombined(globs.map((src) => ({ kind, src })), { maxStates });
  if (dfa && !isPatternError(dfa) && !("code" in dfa)) {
    const anyRules = rules.filter((r) => r.target.kind === "any");
    const byGlob = new Map<string, CheckedRule[]>();
    for (const r of globbed) {
      const g = globOf(r.target);
      const list = byGlob.get(g);
      if (list) list.push(r); else byGlob.set(g, [r]);
    }
    // group() orders candidates itself, so an accept set's rules can be gathered by glob.
    const groups = dfa.acceptSets.map((set) => group([...anyRules, ...set.flatMap((i) => byGlob.get(globs[i]!)!)].map(plain)));
    return { kind: "dfa", dfa, groups };
  }
  if (dfa && isPatternError(dfa)) throw new TypeError(`planner met an unchecked glob: ${dfa.message}`);
  // No globs, or too many states to combine: every glob is checked on its own, in precedence order.
  const candidates = rules.map((r) => ({ rule: r.index, glob: r.target.kind === "any" ? null : { kind, src: globOf(r.target) } }) as Candidate);
  return { kind: "static", group: group(candidates) };

  function plain(r: CheckedRule): Candidate { return { rule: r.index, glob: null }; }
  function group(cs: Candidate[]): Group {
    const byIndex = (i: number) => cp.rules[i]!;
    const audits = cs.filter((c) => byIndex(c.rule).effect === "audit").sort((a, b) => a.rule - b.rule);
    const candidates = cs.filter((c) => byIndex(c.rule).effect !== "audit").sort((a, b) => {
      const ra = EFFECT_RANK[byIndex(a.rule).effect as keyof typeof EFFECT_RANK];
      const rb = EFFECT_RANK[byIndex(b.rule).effect as keyof typeof EFFECT_RANK];
      return rb - ra || a.rule - b.rule;
    });
    return { candidates, audits };
  }
}

function globOf(t: TargetSel): string {
  return t.kind === "fs" || t.kind === "net" ? t.glob : "";
}

/** Whether a rule's target can select requests of this syscall at all. */
export function mayApply(t: TargetSel, sc: Syscall): boolean {
  switch (t.kind) {
    case "fs": return t.syscall === sc;
    case "net": return sc === "net.fetch";
    case "tool": return sc === "tool.call";
    case "pipe": return t.syscall === sc;
    case "spawn": case "signal": case "checkpoint": return t.kind === sc;
    case "any": return true;
  }
}

/** The tool or pipe a rule names: null for every one (`*`, `tool *`), -1 for none. */
function targetIndexOf(t: TargetSel): number | null {
  if (t.kind === "any") return null;
  if (t.kind === "tool") return t.toolIndex;
  if (t.kind === "pipe") return t.pipeIndex;
  return -1;
}
