// The checked policy: names resolved, types known, consts folded. The interpreter, the planner,
// the WASM codegen and the verifier all consume this, never the raw AST.
import type { Effect, Span, ViolationEffect, FsOp, PipeOp } from "../grammar/ast.js";
import type { Syscall, TypeDesc } from "../stdlib/abi/types.js";

/** A type in expressions: declared types plus the few the language has for itself. */
export type Ty = TypeDesc | { t: "ip" };

export type Value = number | string | boolean | Value[] | { [k: string]: Value };

export type CmpOp = "==" | "!=" | "<" | "<=" | ">" | ">=";

/** The scalar kind an operator works on. Enums compare as strings. */
export type Scalar = "number" | "string" | "bool";

export type IExpr =
  | { op: "const"; ty: Ty; value: Value; span: Span }
  | { op: "agent"; field: "id" | "name" | "role" | "tenant"; span: Span }
  | { op: "label"; key: IExpr; span: Span }
  | { op: "target"; span: Span }
  /** The request's args as a whole; `ty` is the args type of the rule's target. */
  | { op: "args"; ty: TypeDesc; span: Span }
  /** A record field by its declared position; an absent optional field reads as its zero value. */
  | { op: "field"; object: IExpr; name: string; index: number; ty: TypeDesc; span: Span }
  /** A quantifier variable; `slot` numbers the enclosing quantifiers from 0, outermost first. */
  | { op: "var"; slot: number; name: string; ty: TypeDesc; span: Span }
  /** `.length`: code points of a string, elements of a list. */
  | { op: "length"; object: IExpr; of: "string" | "array"; span: Span }
  /** A stdlib builtin: `name` keys the registry in stdlib/; `pattern` is a precompiled literal argument. */
  | { op: "builtin"; name: string; receiver: IExpr; args: IExpr[]; pattern: string | null; ty: Ty; span: Span }
  | { op: "ip"; arg: IExpr; span: Span }
  | { op: "not"; operand: IExpr; span: Span }
  | { op: "neg"; operand: IExpr; span: Span }
  | { op: "and" | "or"; left: IExpr; right: IExpr; span: Span }
  | { op: "cmp"; cmp: CmpOp; scalar: Scalar; left: IExpr; right: IExpr; span: Span }
  /** `x in list`: a constant list (hashed set) or a list-valued expression (bounded scan). */
  | { op: "in-list"; scalar: Scalar; item: IExpr; list: IExpr; span: Span }
  | { op: "in-range"; item: IExpr; lo: IExpr; hi: IExpr; span: Span }
  | { op: "quant"; quant: "any" | "all"; slot: number; name: string; list: IExpr; max: number; body: IExpr; span: Span };

/** Which requests a rule's target selects, before its condition is looked at. */
export type TargetSel =
  | { kind: "fs"; op: FsOp; syscall: Syscall; glob: string }
  | { kind: "tool"; name: string | "*"; toolIndex: number | null }
  | { kind: "net"; glob: string }
  | { kind: "pipe"; op: PipeOp; syscall: Syscall; name: string; pipeIndex: number }
  | { kind: "spawn" | "signal" | "checkpoint" }
  | { kind: "any" };

export interface CheckedRule {
  /** Position in source order, the index the module reports. */
  index: number;
  id: string;
  effect: Effect;
  target: TargetSel;
  /** The target as written, for manifests and messages. */
  targetText: string;
  cond: IExpr | null;
  span: Span;
}

export interface CheckedAssert {
  target: TargetSel;
  targetText: string;
  cond: IExpr | null;
  span: Span;
}

export interface CheckedPolicy {
  name: string;
  version: string | null;
  file: string;
  source: string;
  onViolation: ViolationEffect;
  types: Record<string, TypeDesc>;
  tools: { name: string; param: TypeDesc }[];
  pipes: { name: string; from: string; to: string; carries: TypeDesc; capacity: number }[];
  consts: Record<string, { ty: Ty; value: Value }>;
  rules: CheckedRule[];
  limits: { target: TargetSel; targetText: string; count: number; window: string; windowMs: number; span: Span }[];
  asserts: CheckedAssert[];
}

/** Effect precedence rank: kill > deny > stop > allow. `audit` never wins. */
export const EFFECT_RANK: Record<"allow" | "stop" | "deny" | "kill", number> = { allow: 0, stop: 1, deny: 2, kill: 3 };
