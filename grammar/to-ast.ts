// CST → AST. Every node gets the span of exactly the text it was parsed from.
// This runs on recovered CSTs too (its result is then discarded), so a missing child never
// throws: it reads as an empty placeholder token.
import { createTokenInstance, EOF, tokenMatcher, type CstElement, type CstNode, type IToken } from "chevrotain";
import type {
  AssertDecl, ConstDecl, Effect, Expr, FieldDecl, FsOp, LimitDecl, PipeDecl, Policy, Rule, Span, Target,
  ToolDecl, TypeDecl, TypeExpr, ViolationEffect,
} from "./ast.js";
import { diag, withRelated, type Diagnostic } from "./diagnostics.js";
import { DURATION_UNITS, Duration, joinSpans, stringValue, tokenSpan } from "./lexer.js";

const DEFAULT_CAPACITY = 16;

const isNode = (e: CstElement): e is CstNode => "children" in e;

/** The first child node of any key (an item holds exactly one declaration). */
function firstNode(n: CstNode): CstNode | undefined {
  for (const key in n.children) for (const e of n.children[key]!) if (isNode(e)) return e;
  return undefined;
}

// A child key names a rule or a token type, so its elements are all nodes or all tokens: the
// helpers return the CST's own array when it is (read-only), and look up one element without
// allocating (a policy of thousands of items converts hundreds of thousands of children).
const NONE: readonly CstElement[] = [];

function nodes(n: CstNode, key: string): readonly CstNode[] {
  const xs = n.children[key] ?? NONE;
  return xs.every(isNode) ? (xs as CstNode[]) : xs.filter(isNode);
}
function tokens(n: CstNode, key: string): readonly IToken[] {
  const xs = n.children[key] ?? NONE;
  return xs.some(isNode) ? xs.filter((e): e is IToken => !isNode(e)) : (xs as IToken[]);
}
function has(n: CstNode, key: string): boolean {
  return (n.children[key]?.length ?? 0) > 0;
}

const MISSING = createTokenInstance(EOF, "", 0, 0, 1, 1, 1, 1);
const EMPTY_NODE: CstNode = { name: "missing", children: {} };

function token(n: CstNode, key: string, i = 0): IToken {
  const xs = n.children[key];
  if (xs) for (const e of xs) if (!isNode(e) && i-- === 0) return e;
  return MISSING;
}
function node(n: CstNode, key: string, i = 0): CstNode {
  const xs = n.children[key];
  if (xs) for (const e of xs) if (isNode(e) && i-- === 0) return e;
  return EMPTY_NODE;
}

/** Converts one `policyDecl` node. */
export function policyToAst(n: CstNode, file: string): { policy: Policy; diagnostics: Diagnostic[] } {
  return new Converter(file).policy(n);
}

class Converter {
  readonly diagnostics: Diagnostic[] = [];
  constructor(private readonly file: string) {}

  private span(t: IToken): Span {
    return tokenSpan(t, this.file);
  }
  private between(a: IToken, b: IToken): Span {
    return joinSpans(this.span(a), this.span(b));
  }

  policy(n: CstNode): { policy: Policy; diagnostics: Diagnostic[] } {
    const policy: Policy = {
      name: token(n, "Identifier").image,
      version: null,
      onViolation: "kill",
      types: [], tools: [], consts: [], pipes: [], rules: [], limits: [], asserts: [],
      span: this.between(token(n, "Kw_policy"), token(n, "RCurly")),
    };
    // `version` and `on violation` have one slot each in the AST, so repeats are caught here (E0210).
    const settings = new Map<string, IToken>();
    const setting = (kw: IToken): boolean => {
      const first = settings.get(kw.image);
      if (first) {
        const what = kw.image === "on" ? "on violation" : kw.image;
        this.diagnostics.push(withRelated(diag("E0210", `repeated policy setting: "${what}" is already set on line ${first.startLine}`, this.span(kw)), { span: this.span(first), message: `"${what}" is first set here` }));
        return false;
      }
      settings.set(kw.image, kw);
      return true;
    };
    for (const item of nodes(n, "item")) {
      const d = firstNode(item);
      if (!d) continue;
      switch (d.name) {
        case "versionDecl":
          if (setting(token(d, "Kw_version"))) policy.version = stringValue(token(d, "StringLit"));
          break;
        case "onDecl":
          if (setting(token(d, "Kw_on"))) policy.onViolation = this.violation(d);
          break;
        case "typeDecl": policy.types.push(this.typeDecl(d)); break;
        case "toolDecl": policy.tools.push(this.toolDecl(d)); break;
        case "constDecl": policy.consts.push(this.constDecl(d)); break;
        case "pipeDecl": policy.pipes.push(this.pipeDecl(d)); break;
        case "limitDecl": policy.limits.push(this.limitDecl(d)); break;
        case "assertDecl": policy.asserts.push(this.assertDecl(d)); break;
        case "ruleDecl": policy.rules.push(this.ruleDecl(d)); break;
      }
    }
    return { policy, diagnostics: this.diagnostics };
  }

  // ---------- declarations ----------

  private violation(n: CstNode): ViolationEffect {
    if (has(n, "Kw_deny")) return "deny";
    if (has(n, "Kw_stop")) return "stop";
    return "kill";
  }

  private typeDecl(n: CstNode): TypeDecl {
    const type = this.type(node(n, "typeExpr"));
    return { name: token(n, "Identifier").image, type, span: joinSpans(this.span(token(n, "Kw_type")), type.span) };
  }

  private toolDecl(n: CstNode): ToolDecl {
    return {
      name: token(n, "Identifier").image,
      param: this.type(node(n, "typeExpr")),
      span: this.between(token(n, "Kw_tool"), token(n, "RParen")),
    };
  }

  private constDecl(n: CstNode): ConstDecl {
    const value = this.expr(node(n, "expr"));
    return { name: token(n, "Identifier").image, value, span: joinSpans(this.span(token(n, "Kw_const")), value.span) };
  }

  private pipeDecl(n: CstNode): PipeDecl {
    const carries = this.type(node(n, "typeExpr"));
    const cap = tokens(n, "NumberLit")[0];
    return {
      name: token(n, "Identifier", 0).image,
      from: token(n, "Identifier", 1).image,
      to: token(n, "Identifier", 2).image,
      carries,
      capacity: cap ? Number(cap.image) : DEFAULT_CAPACITY,
      span: joinSpans(this.span(token(n, "Kw_pipe")), cap ? this.span(cap) : carries.span),
    };
  }

  private limitDecl(n: CstNode): LimitDecl {
    const count = token(n, "NumberLit", 0);
    const window = token(n, "NumberLit", 1);
    // A bad duration was reported by the lexer (E0121); its window is then 0.
    const windowMs = tokenMatcher(window, Duration) ? parseInt(window.image, 10) * (DURATION_UNITS[window.image.slice(-1)] ?? 0) : 0;
    return {
      target: this.target(node(n, "target")),
      count: Number(count.image),
      window: window.image,
      windowMs,
      span: this.between(token(n, "Kw_limit"), window),
    };
  }

  private assertDecl(n: CstNode): AssertDecl {
    const target = this.target(node(n, "target"));
    const when = this.when(node(n, "whenClause"));
    return { target, when, span: joinSpans(this.span(token(n, "Kw_assert")), (when ?? target).span) };
  }

  private ruleDecl(n: CstNode): Rule {
    const effect = token(n, "EffectKw");
    const target = this.target(node(n, "target"));
    const when = this.when(node(n, "whenClause"));
    const ann = nodes(n, "annotation")[0];
    return {
      id: ann ? stringValue(token(ann, "StringLit")) : null,
      idSpan: ann ? this.between(token(ann, "At"), token(ann, "RParen")) : null,
      effect: effect.image as Effect,
      target,
      when,
      span: joinSpans(this.span(effect), (when ?? target).span),
    };
  }

  private when(n: CstNode): Expr | null {
    return has(n, "expr") ? this.expr(node(n, "expr")) : null;
  }

  private target(n: CstNode): Target {
    const first = Object.values(n.children).flat().find((e): e is IToken => !isNode(e)) ?? MISSING;
    const last = (key: string) => this.between(first, token(n, key));
    if (has(n, "Cx_fs")) {
      const op: FsOp = has(n, "Cx_write") ? "write" : has(n, "Cx_list") ? "list" : has(n, "Cx_delete") ? "delete" : "read";
      return { kind: "fs", op, glob: stringValue(token(n, "StringLit")), span: last("StringLit") };
    }
    if (has(n, "Cx_net")) return { kind: "net", glob: stringValue(token(n, "StringLit")), span: last("StringLit") };
    if (has(n, "Kw_tool")) {
      const name = tokens(n, "Identifier")[0];
      return { kind: "tool", name: name ? name.image : "*", span: last(name ? "Identifier" : "Star") };
    }
    if (has(n, "Kw_pipe")) {
      return { kind: "pipe", op: has(n, "Cx_recv") ? "recv" : "send", name: token(n, "Identifier").image, span: last("Identifier") };
    }
    const span = this.span(first);
    if (has(n, "Cx_spawn")) return { kind: "spawn", span };
    if (has(n, "Cx_signal")) return { kind: "signal", span };
    if (has(n, "Cx_checkpoint")) return { kind: "checkpoint", span };
    return { kind: "any", span };
  }

  // ---------- types ----------

  private type(n: CstNode): TypeExpr {
    const members = nodes(n, "postfixType").map((m) => this.postfixType(m));
    const [head] = members;
    if (!head) return { kind: "ref", name: "", span: this.span(MISSING) };
    if (members.length === 1) return head;
    return { kind: "union", members, span: joinSpans(head.span, members[members.length - 1]!.span) };
  }

  private postfixType(n: CstNode): TypeExpr {
    let t = this.primaryType(node(n, "primaryType"));
    for (const s of nodes(n, "arraySuffix")) {
      const max = tokens(s, "NumberLit")[0];
      const end = max ?? token(s, "RBracket");
      t = { kind: "array", elem: t, max: max ? Number(max.image) : null, span: joinSpans(t.span, this.span(end)) };
    }
    return t;
  }

  private primaryType(n: CstNode): TypeExpr {
    const id = tokens(n, "Identifier")[0];
    if (id) {
      const span = this.span(id);
      if (id.image === "number" || id.image === "string" || id.image === "bool") return { kind: "prim", name: id.image, span };
      return { kind: "ref", name: id.image, span };
    }
    const str = tokens(n, "StringLit")[0];
    if (str) return { kind: "lit", value: stringValue(str), span: this.span(str) };
    const rec = nodes(n, "recordType")[0];
    if (rec) {
      return {
        kind: "record",
        fields: nodes(rec, "fieldDecl").map((f) => this.field(f)),
        span: this.between(token(rec, "LCurly"), token(rec, "RCurly")),
      };
    }
    // `( T )`: the parentheses belong to the type's text.
    const inner = this.type(node(n, "typeExpr"));
    return { ...inner, span: this.between(token(n, "LParen"), token(n, "RParen")) };
  }

  private field(n: CstNode): FieldDecl {
    const name = token(n, "Name");
    const type = this.type(node(n, "typeExpr"));
    return { name: name.image, optional: has(n, "Question"), type, span: joinSpans(this.span(name), type.span) };
  }

  // ---------- expressions ----------

  expr(n: CstNode): Expr {
    return this.leftFold(nodes(n, "andExpr").map((a) => this.andExpr(a)), "or");
  }

  private andExpr(n: CstNode): Expr {
    return this.leftFold(nodes(n, "notExpr").map((a) => this.notExpr(a)), "and");
  }

  private leftFold(operands: Expr[], op: "and" | "or"): Expr {
    const [head, ...rest] = operands;
    if (!head) return this.missingExpr();
    return rest.reduce<Expr>((left, right) => ({ kind: "binary", op, left, right, span: joinSpans(left.span, right.span) }), head);
  }

  private notExpr(n: CstNode): Expr {
    const not = tokens(n, "Kw_not")[0];
    if (not) {
      const operand = this.notExpr(node(n, "notExpr"));
      return { kind: "unary", op: "not", operand, span: joinSpans(this.span(not), operand.span) };
    }
    return this.cmpExpr(node(n, "cmpExpr"));
  }

  private cmpExpr(n: CstNode): Expr {
    const left = this.rangeExpr(node(n, "rangeExpr", 0));
    const op = tokens(n, "CmpOp")[0];
    if (!op && !has(n, "Kw_in")) return left;
    const right = this.rangeExpr(node(n, "rangeExpr", 1));
    const span = joinSpans(left.span, right.span);
    if (!op) return { kind: "in", left, right, span };
    return { kind: "binary", op: op.image as "==" | "!=" | "<" | "<=" | ">" | ">=", left, right, span };
  }

  private rangeExpr(n: CstNode): Expr {
    const lo = this.unaryExpr(node(n, "unaryExpr", 0));
    if (!has(n, "DotDot")) return lo;
    const hi = this.unaryExpr(node(n, "unaryExpr", 1));
    return { kind: "range", lo, hi, span: joinSpans(lo.span, hi.span) };
  }

  private unaryExpr(n: CstNode): Expr {
    const minus = tokens(n, "Minus")[0];
    if (minus) {
      const operand = this.unaryExpr(node(n, "unaryExpr"));
      return { kind: "unary", op: "-", operand, span: joinSpans(this.span(minus), operand.span) };
    }
    return this.postfixExpr(node(n, "postfixExpr"));
  }

  private postfixExpr(n: CstNode): Expr {
    let e = this.primary(node(n, "primary"));
    for (const op of nodes(n, "postfixOp")) {
      if (has(op, "LBracket")) {
        const index = this.expr(node(op, "expr"));
        e = { kind: "index", object: e, index, span: joinSpans(e.span, this.span(token(op, "RBracket"))) };
      } else if (has(op, "LParen")) {
        const args = this.exprList(node(op, "exprList"));
        e = { kind: "call", receiver: e, name: token(op, "Name").image, args, span: joinSpans(e.span, this.span(token(op, "RParen"))) };
      } else {
        const name = token(op, "Name");
        e = { kind: "member", object: e, name: name.image, span: joinSpans(e.span, this.span(name)) };
      }
    }
    return e;
  }

  private primary(n: CstNode): Expr {
    const num = tokens(n, "NumberLit")[0];
    if (num) return { kind: "num", value: Number(num.image), span: this.span(num) };
    const str = tokens(n, "StringLit")[0];
    if (str) return { kind: "str", value: stringValue(str), span: this.span(str) };
    const bool = tokens(n, "Kw_true")[0] ?? tokens(n, "Kw_false")[0];
    if (bool) return { kind: "bool", value: bool.image === "true", span: this.span(bool) };
    const list = nodes(n, "listLit")[0];
    if (list) {
      return { kind: "list", items: this.exprList(node(list, "exprList")), span: this.between(token(list, "LBracket"), token(list, "RBracket")) };
    }
    const quant = nodes(n, "quant")[0];
    if (quant) return this.quant(quant);
    const id = tokens(n, "Identifier")[0];
    if (id) {
      if (!has(n, "LParen")) return { kind: "ident", name: id.image, span: this.span(id) };
      return { kind: "fn", name: id.image, args: this.exprList(node(n, "exprList")), span: this.between(id, token(n, "RParen")) };
    }
    if (!has(n, "LParen")) return this.missingExpr();
    // `( e )`: the parentheses belong to the expression's text, so enclosing spans start at them.
    const inner = this.expr(node(n, "expr"));
    return { ...inner, span: this.between(token(n, "LParen"), token(n, "RParen")) };
  }

  private quant(n: CstNode): Expr {
    const kw = tokens(n, "Kw_any")[0] ?? token(n, "Kw_all");
    return {
      kind: "quant",
      quant: kw.image === "all" ? "all" : "any",
      variable: token(n, "Identifier").image,
      list: this.expr(node(n, "expr", 0)),
      body: this.expr(node(n, "expr", 1)),
      span: this.between(kw, token(n, "RParen")),
    };
  }

  private exprList(n: CstNode): Expr[] {
    return nodes(n, "expr").map((e) => this.expr(e));
  }

  private missingExpr(): Expr {
    return { kind: "ident", name: "", span: this.span(MISSING) };
  }
}
