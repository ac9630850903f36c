// The .acp abstract syntax tree: what the parser produces and every later stage consumes.
// Nodes carry source spans so that every diagnostic can point at the text that caused it.

export interface Span {
  file: string;
  /** 1-based line and column of the first character. */
  line: number;
  col: number;
  /** 1-based line and column just past the last character. */
  endLine: number;
  endCol: number;
  /** 0-based offsets into the source text, [offset, endOffset). */
  offset: number;
  endOffset: number;
}

export type Effect = "allow" | "deny" | "kill" | "stop" | "audit";
export type ViolationEffect = "kill" | "deny" | "stop";

// ---------- types ----------

export type PrimName = "number" | "string" | "bool";

export type TypeExpr =
  | { kind: "prim"; name: PrimName; span: Span }
  | { kind: "lit"; value: string; span: Span }
  | { kind: "union"; members: TypeExpr[]; span: Span }
  | { kind: "record"; fields: FieldDecl[]; span: Span }
  | { kind: "array"; elem: TypeExpr; max: number | null; span: Span }
  | { kind: "ref"; name: string; span: Span };

export interface FieldDecl {
  name: string;
  optional: boolean;
  type: TypeExpr;
  span: Span;
}

// ---------- declarations ----------

export interface TypeDecl { name: string; type: TypeExpr; span: Span }
export interface ToolDecl { name: string; param: TypeExpr; span: Span }
export interface ConstDecl { name: string; value: Expr; span: Span }
export interface PipeDecl {
  name: string;
  from: string;
  to: string;
  carries: TypeExpr;
  capacity: number;
  span: Span;
}
export interface LimitDecl {
  target: Target;
  count: number;
  /** The window as written ("1m") and in milliseconds. */
  window: string;
  windowMs: number;
  span: Span;
}
export interface AssertDecl { target: Target; when: Expr | null; span: Span }

export interface Rule {
  /** From @id("..."); null when the rule has none (its id is then `<policy>:<line>`). */
  id: string | null;
  idSpan: Span | null;
  effect: Effect;
  target: Target;
  when: Expr | null;
  span: Span;
}

export type FsOp = "read" | "write" | "list" | "delete";
export type PipeOp = "send" | "recv";

export type Target =
  | { kind: "fs"; op: FsOp; glob: string; span: Span }
  | { kind: "tool"; name: string | "*"; span: Span }
  | { kind: "net"; glob: string; span: Span }
  | { kind: "pipe"; op: PipeOp; name: string; span: Span }
  | { kind: "spawn"; span: Span }
  | { kind: "signal"; span: Span }
  | { kind: "checkpoint"; span: Span }
  | { kind: "any"; span: Span };

export interface Policy {
  name: string;
  version: string | null;
  onViolation: ViolationEffect;
  types: TypeDecl[];
  tools: ToolDecl[];
  consts: ConstDecl[];
  pipes: PipeDecl[];
  rules: Rule[];
  limits: LimitDecl[];
  asserts: AssertDecl[];
  span: Span;
}

// ---------- expressions ----------

export type BinaryOp = "and" | "or" | "==" | "!=" | "<" | "<=" | ">" | ">=";

export type Expr =
  | { kind: "num"; value: number; span: Span }
  | { kind: "str"; value: string; span: Span }
  | { kind: "bool"; value: boolean; span: Span }
  | { kind: "list"; items: Expr[]; span: Span }
  /** A bare name: `agent`, `args`, `target`, a const, or a quantifier variable. */
  | { kind: "ident"; name: string; span: Span }
  /** `obj.name` without parentheses (field access, `.length`). */
  | { kind: "member"; object: Expr; name: string; span: Span }
  /** `obj[index]` (labels lookup). */
  | { kind: "index"; object: Expr; index: Expr; span: Span }
  /** `recv.name(args...)`: string methods and `ip(x).inCidr(...)`. */
  | { kind: "call"; receiver: Expr; name: string; args: Expr[]; span: Span }
  /** A free function call: `ip(x)`. */
  | { kind: "fn"; name: string; args: Expr[]; span: Span }
  | { kind: "unary"; op: "not" | "-"; operand: Expr; span: Span }
  | { kind: "binary"; op: BinaryOp; left: Expr; right: Expr; span: Span }
  /** `left in right`; `right` is a list expression, a const, an args list, or a range. */
  | { kind: "in"; left: Expr; right: Expr; span: Span }
  /** `lo..hi`, only valid on the right of `in`; inclusive at both ends. */
  | { kind: "range"; lo: Expr; hi: Expr; span: Span }
  | { kind: "quant"; quant: "any" | "all"; variable: string; list: Expr; body: Expr; span: Span };

export type ExprKind = Expr["kind"];
