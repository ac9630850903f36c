// Types and resolves one condition: AST Expr → typed IExpr. Reports every problem it finds and
// returns null for a subexpression it could not type, without cascading errors from it.
import type { Expr, Span } from "../../grammar/ast.js";
import type { TypeDesc } from "../../stdlib/abi/types.js";
import { findBuiltin } from "../../stdlib/builtins.js";
import { checkPattern } from "../../stdlib/patterns.js";
import { diag, type Diagnostic } from "../../grammar/diagnostics.js";
import type { IExpr, Scalar, Ty, Value } from "../ir.js";
import { typeToString } from "./types.js";

export interface ExprEnv {
  /** The args type of the rule's target, or null when the target has none. */
  argsTy: TypeDesc | null;
  /** Says why there are no args, for the E0304 message. */
  targetText: string;
  consts: ReadonlyMap<string, { ty: Ty; value: Value }>;
  out: Diagnostic[];
}

const AGENT_FIELDS = new Set(["id", "name", "role", "tenant"]);
const BOOL: Ty = { t: "bool" };
const NUM: Ty = { t: "number" };
const STR: Ty = { t: "string" };

export function tyOf(e: IExpr): Ty {
  switch (e.op) {
    case "const": return e.ty;
    case "agent": case "label": case "target": return STR;
    case "args": case "field": case "var": return e.ty;
    case "length": case "neg": return NUM;
    case "builtin": return e.ty;
    case "ip": return { t: "ip" };
    default: return BOOL;
  }
}

export function scalarOf(t: Ty): Scalar | null {
  if (t.t === "number" || t.t === "bool" || t.t === "string") return t.t;
  if (t.t === "enum") return "string";
  return null;
}

export class ExprChecker {
  private readonly vars: { name: string; ty: TypeDesc }[] = [];
  constructor(private readonly env: ExprEnv) {}

  /** A rule or assertion condition: must be a bool. */
  condition(e: Expr): IExpr | null {
    const r = this.expr(e);
    if (r && tyOf(r).t !== "bool") {
      this.err("E0302", `a condition must be a bool, but this is ${typeToString(tyOf(r))}`, e.span);
      return null;
    }
    return r;
  }

  private err(code: Parameters<typeof diag>[0], msg: string, span: Span): null {
    this.env.out.push(diag(code, msg, span));
    return null;
  }

  expr(e: Expr): IExpr | null {
    switch (e.kind) {
      case "num": return { op: "const", ty: NUM, value: e.value, span: e.span };
      case "str": return { op: "const", ty: STR, value: e.value, span: e.span };
      case "bool": return { op: "const", ty: BOOL, value: e.value, span: e.span };
      case "list": return this.listLiteral(e.items, e.span);
      case "ident": return this.ident(e.name, e.span);
      case "member": return this.member(e.object, e.name, e.span);
      case "index": return this.index(e.object, e.index, e.span);
      case "call": return this.call(e.receiver, e.name, e.args, e.span);
      case "fn": return this.fn(e.name, e.args, e.span);
      case "unary": return this.unary(e.op, e.operand, e.span);
      case "binary": return e.op === "and" || e.op === "or" ? this.logic(e.op, e.left, e.right, e.span) : this.compare(e.op, e.left, e.right, e.span);
      case "in": return this.inExpr(e.left, e.right, e.span);
      case "range": return this.err("E0308", "a range `lo..hi` may only stand on the right of `in`", e.span);
      case "quant": return this.quant(e.quant, e.variable, e.list, e.body, e.span);
    }
  }

  private listLiteral(items: Expr[], span: Span): IExpr | null {
    const values: Value[] = [];
    let elem: Scalar | null = null;
    for (const it of items) {
      const r = this.expr(it);
      if (!r) return null;
      if (r.op !== "const") return this.err("E0208", "list literals may only hold constants", it.span);
      const s = scalarOf(r.ty);
      if (!s) return this.err("E0301", "list elements must be numbers, strings or bools", it.span);
      if (elem && s !== elem) return this.err("E0301", `list mixes ${elem} and ${s} elements`, it.span);
      elem = s;
      values.push(r.value);
    }
    return { op: "const", ty: { t: "array", elem: { t: elem ?? "string" }, max: values.length }, value: values, span };
  }

  private ident(name: string, span: Span): IExpr | null {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      const v = this.vars[i]!;
      if (v.name === name) return { op: "var", slot: i, name, ty: v.ty, span };
    }
    if (name === "args") {
      if (!this.env.argsTy) return this.err("E0304", `\`${this.env.targetText}\` has no args`, span);
      return { op: "args", ty: this.env.argsTy, span };
    }
    if (name === "target") return { op: "target", span };
    if (name === "agent") return this.err("E0206", "`agent` needs a field: agent.id, agent.name, agent.role, agent.tenant or agent.labels[\"…\"]", span);
    const c = this.env.consts.get(name);
    if (c) return { op: "const", ty: c.ty, value: c.value, span };
    return this.err("E0206", `unknown name \`${name}\``, span);
  }

  private member(object: Expr, name: string, span: Span): IExpr | null {
    if (object.kind === "ident" && object.name === "agent" && !this.vars.some((v) => v.name === "agent")) {
      if (AGENT_FIELDS.has(name)) return { op: "agent", field: name as "id" | "name" | "role" | "tenant", span };
      if (name === "labels") return this.err("E0303", "agent.labels must be indexed: agent.labels[\"team\"]", span);
      return this.err("E0303", `agent has no field \`${name}\` (it has id, name, role, tenant, labels)`, span);
    }
    const obj = this.expr(object);
    if (!obj) return null;
    const t = tyOf(obj);
    if (name === "length" && (t.t === "string" || t.t === "enum")) return { op: "length", object: obj, of: "string", span };
    if (name === "length" && t.t === "array") return { op: "length", object: obj, of: "array", span };
    if (t.t === "record") {
      const index = t.fields.findIndex((f) => f.name === name);
      if (index < 0) return this.err("E0303", `no field \`${name}\` in ${typeToString(t)}`, span);
      return { op: "field", object: obj, name, index, ty: t.fields[index]!.type, span };
    }
    return this.err("E0303", `${typeToString(t)} has no field \`${name}\``, span);
  }

  private index(object: Expr, index: Expr, span: Span): IExpr | null {
    const isLabels = object.kind === "member" && object.name === "labels" && object.object.kind === "ident" && object.object.name === "agent";
    if (!isLabels) { this.expr(object); return this.err("E0310", "only agent.labels can be indexed", span); }
    const key = this.expr(index);
    if (!key) return null;
    if (scalarOf(tyOf(key)) !== "string") return this.err("E0301", `a label key must be a string, not ${typeToString(tyOf(key))}`, index.span);
    return { op: "label", key, span };
  }

  private call(receiver: Expr, name: string, args: Expr[], span: Span): IExpr | null {
    const recv = this.expr(receiver);
    if (!recv) { args.forEach((a) => this.expr(a)); return null; }
    const rt = tyOf(recv);
    const kind = rt.t === "ip" ? "ip" : scalarOf(rt) === "string" ? "string" : null;
    const b = kind ? findBuiltin(kind, name) : undefined;
    if (!b) return this.err("E0306", `${typeToString(rt)} has no method \`${name}\``, span);
    const wanted = b.params.length + (b.pattern ? 1 : 0);
    if (args.length !== wanted) return this.err("E0307", `\`${name}\` takes ${wanted} argument${wanted === 1 ? "" : "s"}, got ${args.length}`, span);
    let pattern: string | null = null;
    const typed: IExpr[] = [];
    if (b.pattern) {
      const a = args[0]!;
      if (a.kind !== "str") return this.err("E0311", `the argument of \`${name}\` must be a string literal`, a.span);
      const perr = checkPattern(b.pattern, a.value);
      if (perr) return this.err(perr.code, `${perr.message} (in ${JSON.stringify(a.value)} at offset ${perr.offset})`, a.span);
      pattern = a.value;
    } else {
      for (const a of args) {
        const r = this.expr(a);
        if (!r) return null;
        if (scalarOf(tyOf(r)) !== "string") return this.err("E0307", `\`${name}\` takes a string, not ${typeToString(tyOf(r))}`, a.span);
        typed.push(r);
      }
    }
    const ty: Ty = b.returns === "bool" ? BOOL : STR;
    return { op: "builtin", name: `${b.receiver}.${b.name}`, receiver: recv, args: typed, pattern, ty, span };
  }

  private fn(name: string, args: Expr[], span: Span): IExpr | null {
    if (name !== "ip") return this.err("E0306", `unknown function \`${name}\` (the only function is ip(x))`, span);
    if (args.length !== 1) return this.err("E0307", `\`ip\` takes 1 argument, got ${args.length}`, span);
    const a = this.expr(args[0]!);
    if (!a) return null;
    if (scalarOf(tyOf(a)) !== "string") return this.err("E0307", `\`ip\` takes a string, not ${typeToString(tyOf(a))}`, args[0]!.span);
    return { op: "ip", arg: a, span };
  }

  private unary(op: "not" | "-", operand: Expr, span: Span): IExpr | null {
    const x = this.expr(operand);
    if (!x) return null;
    const t = tyOf(x);
    if (op === "not") {
      if (t.t !== "bool") return this.err("E0301", `\`not\` needs a bool, not ${typeToString(t)}`, operand.span);
      return { op: "not", operand: x, span };
    }
    if (t.t !== "number") return this.err("E0310", `unary minus needs a number, not ${typeToString(t)}`, operand.span);
    if (x.op === "const") return { op: "const", ty: NUM, value: -(x.value as number), span };
    return { op: "neg", operand: x, span };
  }

  private logic(op: "and" | "or", left: Expr, right: Expr, span: Span): IExpr | null {
    const l = this.expr(left);
    const r = this.expr(right);
    if (!l || !r) return null;
    for (const [x, src] of [[l, left], [r, right]] as const) {
      if (tyOf(x).t !== "bool") return this.err("E0301", `\`${op}\` needs bools, but this is ${typeToString(tyOf(x))}`, src.span);
    }
    return { op, left: l, right: r, span };
  }

  private compare(cmp: "==" | "!=" | "<" | "<=" | ">" | ">=", left: Expr, right: Expr, span: Span): IExpr | null {
    const l = this.expr(left);
    const r = this.expr(right);
    if (!l || !r) return null;
    const lt = tyOf(l), rt = tyOf(r);
    const ls = scalarOf(lt), rs = scalarOf(rt);
    if (!ls || !rs) return this.err("E0310", `\`${cmp}\` is not defined for ${typeToString(!ls ? lt : rt)}`, span);
    if (ls !== rs) return this.err("E0301", `cannot compare ${typeToString(lt)} with ${typeToString(rt)}`, span);
    if (cmp !== "==" && cmp !== "!=" && ls !== "number") return this.err("E0310", `\`${cmp}\` needs numbers, not ${ls}s`, span);
    for (const [a, b] of [[l, r], [r, l]] as const) {
      const at = tyOf(a);
      if (at.t === "enum" && b.op === "const" && !at.values.includes(b.value as string)) {
        return this.err("E0301", `${JSON.stringify(b.value)} is not one of ${typeToString(at)}`, b.span);
      }
    }
    return { op: "cmp", cmp, scalar: ls, left: l, right: r, span };
  }

  private inExpr(left: Expr, right: Expr, span: Span): IExpr | null {
    const item = this.expr(left);
    if (right.kind === "range") {
      const lo = this.expr(right.lo), hi = this.expr(right.hi);
      if (!item || !lo || !hi) return null;
      for (const [x, src] of [[item, left], [lo, right.lo], [hi, right.hi]] as const) {
        if (tyOf(x).t !== "number") return this.err("E0301", `a range needs numbers, but this is ${typeToString(tyOf(x))}`, src.span);
      }
      return { op: "in-range", item, lo, hi, span };
    }
    const list = this.expr(right);
    if (!item || !list) return null;
    const lt = tyOf(list);
    if (lt.t !== "array") return this.err("E0309", `the right side of \`in\` must be a list or a range, not ${typeToString(lt)}`, right.span);
    const is = scalarOf(tyOf(item));
    const es = scalarOf(lt.elem);
    if (!is) return this.err("E0310", `\`in\` is not defined for ${typeToString(tyOf(item))}`, left.span);
    const empty = list.op === "const" && (list.value as Value[]).length === 0;
    if (!empty && es !== is) return this.err("E0301", `cannot look for ${typeToString(tyOf(item))} in ${typeToString(lt)}`, span);
    return { op: "in-list", scalar: is, item, list, span };
  }

  private quant(quant: "any" | "all", variable: string, listE: Expr, bodyE: Expr, span: Span): IExpr | null {
    const list = this.expr(listE);
    if (!list) return null;
    const lt = tyOf(list);
    if (lt.t !== "array") return this.err("E0309", `\`${quant}\` needs a list, not ${typeToString(lt)}`, listE.span);
    if (lt.max === null) return this.err("E0305", `\`${quant}\` over a list without \`max\`: declare the list as \`${typeToString(lt.elem)}[] max N\``, listE.span);
    if (["agent", "args", "target"].includes(variable) || this.env.consts.has(variable) || this.vars.some((v) => v.name === variable)) {
      return this.err("E0201", `\`${variable}\` is already bound here`, span);
    }
    this.vars.push({ name: variable, ty: lt.elem });
    const slot = this.vars.length - 1;
    const body = this.condition(bodyE);
    this.vars.pop();
    if (!body) return null;
    return { op: "quant", quant, slot, name: variable, list, max: lt.max, body, span };
  }
}
