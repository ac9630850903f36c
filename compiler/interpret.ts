// The reference interpreter: the oracle the compiled WASM is tested against. It is written for
// clarity, not speed: every rule is looked at, patterns run through pinned JS RegExps.
import { prepareRequest, type Prepared } from "../stdlib/abi/prepare.js";
import { zeroValue } from "../stdlib/abi/conforms.js";
import type { Decision } from "../stdlib/abi/types.js";
import { BUILTINS, codePointLength, parseIp } from "../stdlib/builtins.js";
import { oracleRegExp } from "../stdlib/patterns.js";
import { EFFECT_RANK, type CheckedPolicy, type CheckedRule, type IExpr, type TargetSel, type Value } from "./ir.js";

type Ok = Extract<Prepared, { ok: true }>;

export function interpret(cp: CheckedPolicy, request: unknown): Decision {
  const p = prepareRequest(cp, request);
  if (!p.ok) return { effect: cp.onViolation, rule: null, audit: [] };
  let best: CheckedRule | null = null;
  const audit: string[] = [];
  for (const r of cp.rules) {
    if (!selects(r.target, p)) continue;
    if (r.cond && !evalExpr(r.cond, p, []) ) continue;
    if (r.effect === "audit") audit.push(r.id);
    else if (!best || EFFECT_RANK[r.effect] > EFFECT_RANK[best.effect as keyof typeof EFFECT_RANK]) best = r;
  }
  if (!best) return { effect: cp.onViolation, rule: null, audit };
  return { effect: best.effect as Decision["effect"], rule: best.id, audit };
}

export function selects(t: TargetSel, p: Ok): boolean {
  switch (t.kind) {
    case "fs": return p.syscall === t.syscall && oracleRegExp("path", t.glob).test(p.target);
    case "net": return p.syscall === "net.fetch" && oracleRegExp("url", t.glob).test(p.target);
    case "tool": return p.syscall === "tool.call" && (t.toolIndex === null || t.toolIndex === p.targetIndex);
    case "pipe": return p.syscall === t.syscall && t.pipeIndex === p.targetIndex;
    case "spawn": case "signal": case "checkpoint": return p.syscall === t.kind;
    case "any": return true;
  }
}

export function evalExpr(e: IExpr, p: Ok, vars: Value[]): any {
  switch (e.op) {
    case "const": return e.value;
    case "agent": return p.agent[e.field];
    case "label": {
      const k = evalExpr(e.key, p, vars) as string;
      return Object.prototype.hasOwnProperty.call(p.agent.labels, k) ? p.agent.labels[k] : "";
    }
    case "target": return p.target;
    case "args": return p.args;
    case "field": {
      const obj = evalExpr(e.object, p, vars) as Record<string, Value>;
      return Object.prototype.hasOwnProperty.call(obj, e.name) ? obj[e.name] : zeroValue(e.ty);
    }
    case "var": return vars[e.slot];
    case "length": {
      const v = evalExpr(e.object, p, vars);
      return e.of === "string" ? codePointLength(v as string) : (v as Value[]).length;
    }
    case "builtin": {
      const b = BUILTINS.get(e.name)!;
      return b.interp(evalExpr(e.receiver, p, vars), e.args.map((a) => evalExpr(a, p, vars) as string), e.pattern);
    }
    case "ip": return parseIp(evalExpr(e.arg, p, vars) as string);
    case "not": return !evalExpr(e.operand, p, vars);
    case "neg": return -(evalExpr(e.operand, p, vars) as number);
    case "and": return evalExpr(e.left, p, vars) && evalExpr(e.right, p, vars);
    case "or": return evalExpr(e.left, p, vars) || evalExpr(e.right, p, vars);
    case "cmp": {
      const l = evalExpr(e.left, p, vars), r = evalExpr(e.right, p, vars);
      switch (e.cmp) {
        case "==": return l === r;
        case "!=": return l !== r;
        case "<": return l < r;
        case "<=": return l <= r;
        case ">": return l > r;
        case ">=": return l >= r;
      }
    }
    // eslint-disable-next-line no-fallthrough
    case "in-list": {
      const x = evalExpr(e.item, p, vars);
      return (evalExpr(e.list, p, vars) as Value[]).some((y) => y === x);
    }
    case "in-range": {
      const x = evalExpr(e.item, p, vars) as number;
      return evalExpr(e.lo, p, vars) <= x && x <= evalExpr(e.hi, p, vars);
    }
    case "quant": {
      const list = evalExpr(e.list, p, vars) as Value[];
      const test = (x: Value) => { vars[e.slot] = x; return evalExpr(e.body, p, vars) as boolean; };
      const r = e.quant === "any" ? list.some(test) : list.every(test);
      vars.length = e.slot;
      return r;
    }
  }
}
