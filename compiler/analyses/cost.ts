// The static cost bound: the most abstract steps one decision can take (docs/abi.md, "Cost bound").
// It follows the plan, so it is the cost of the candidates of the worst target, not of the policy.
import { SYSCALLS, type Syscall } from "../../stdlib/abi/types.js";
import { BUILTINS } from "../../stdlib/builtins.js";
import type { CheckedPolicy, IExpr } from "../ir.js";
import type { Candidate, Group, Plan } from "../planner.js";

/** Dispatch on the syscall and the target (table lookups, one automaton scan). */
const DISPATCH_STEPS = 3;

export function exprCost(e: IExpr): number {
  switch (e.op) {
    case "const": case "agent": case "target": case "args": case "var": return 1;
    case "label": return 2 + exprCost(e.key);
    case "field": return 1 + exprCost(e.object);
    case "length": return 1 + exprCost(e.object);
    case "builtin": return 1 + (BUILTINS.get(e.name)?.cost ?? 1) + exprCost(e.receiver) + e.args.reduce((s, a) => s + exprCost(a), 0);
    case "ip": return 1 + exprCost(e.arg);
    case "not": case "neg": return 1 + exprCost(e.operand);
    case "and": case "or": return 1 + exprCost(e.left) + exprCost(e.right);
    case "cmp": return 1 + exprCost(e.left) + exprCost(e.right);
    case "in-list": {
      const list = e.list.op === "const" ? 1 : exprCost(e.list) + (e.list.op === "field" || e.list.op === "args" || e.list.op === "var" ? maxOf(e.list) : 0);
      return 2 + exprCost(e.item) + list;
    }
    case "in-range": return 2 + exprCost(e.item) + exprCost(e.lo) + exprCost(e.hi);
    case "quant": return 2 + exprCost(e.list) + e.max * (1 + exprCost(e.body));
  }
}

function maxOf(e: IExpr): number {
  const t = (e as { ty?: { t: string; max?: number | null } }).ty;
  return t && t.t === "array" && typeof t.max === "number" ? t.max : 0;
}

export function costBound(cp: CheckedPolicy, plan: Plan): { steps: number; perSyscall: Partial<Record<Syscall, number>> } {
  const ruleCost = (c: Candidate) => {
    const r = cp.rules[c.rule]!;
    return 1 + (c.glob ? 1 : 0) + (r.cond ? exprCost(r.cond) : 0);
  };
  const groupCost = (g: Group) => [...g.candidates, ...g.audits].reduce((s, c) => s + ruleCost(c), 0);
  const perSyscall: Partial<Record<Syscall, number>> = {};
  let steps = 0;
  for (const sc of SYSCALLS) {
    const p = plan[sc];
    const groups = p.kind === "static" ? [p.group] : p.groups;
    const worst = groups.reduce((w, g) => Math.max(w, groupCost(g)), 0);
    perSyscall[sc] = DISPATCH_STEPS + worst;
    steps = Math.max(steps, perSyscall[sc]!);
  }
  return { steps, perSyscall };
}
