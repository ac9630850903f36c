// The symbol index of one policy, built from its AST (recovered parses included) and its tokens:
// every declaration of a type, tool, pipe, const, record field and rule, and every place that
// names one. Hover, definition, references and rename all read it.
import { tokenMatcher, type IToken } from "chevrotain";
import type { Expr, FieldDecl, Policy, Rule, Span, Target, TypeExpr } from "../../grammar/ast.js";
import * as L from "../../grammar/lexer.js";

export type SymbolKind = "type" | "tool" | "pipe" | "const" | "field" | "rule" | "variable";

export interface PolicySymbol {
  kind: SymbolKind;
  name: string;
  /** The declaring name (for a rule, its `@id` string, or its effect keyword when it has none). */
  def: Span;
  /** The whole declaration. */
  decl: Span;
  refs: Span[];
  /** A field's declaration; a rule's AST node; a quantifier variable's list and item type. */
  field?: FieldDecl;
  rule?: Rule;
  quant?: { list: Expr; item: TypeExpr | null };
}

export interface Occurrence { span: Span; symbol: PolicySymbol; isDef: boolean }

/** A place whose hover says what a syscall target, `args` or an `agent` field means there. */
export interface TargetSpot { span: Span; target: Target; kind: "target" | "args" | "agent" | "method"; field?: string }

export interface SymbolIndex {
  symbols: PolicySymbol[];
  occurrences: Occurrence[];
  spots: TargetSpot[];
}

const NO_SPAN: Span = { file: "", line: 1, col: 1, endLine: 1, endCol: 1, offset: NaN, endOffset: NaN };
const BUILTIN_NAMES = new Set(["agent", "args", "target"]);
/** Type references are followed at most this deep (the checker reports recursive types). */
const MAX_DEREF = 32;

export function buildIndex(policy: Policy, tokens: readonly IToken[]): SymbolIndex {
  return new IndexBuilder(policy, tokens).build();
}

/** The occurrence under an offset: the narrowest whose span contains it, ends included. */
export function occurrenceAt(index: SymbolIndex, offset: number): Occurrence | undefined {
  return narrowest(index.occurrences, offset);
}

export function spotAt(index: SymbolIndex, offset: number): TargetSpot | undefined {
  return narrowest(index.spots, offset);
}

function narrowest<T extends { span: Span }>(items: readonly T[], offset: number): T | undefined {
  let best: T | undefined;
  for (const o of items) {
    if (o.span.offset > offset || offset > o.span.endOffset) continue;
    if (!best || o.span.endOffset - o.span.offset < best.span.endOffset - best.span.offset) best = o;
  }
  return best;
}

/** A symbol's definition and references, in source order. */
export function locationsOf(s: PolicySymbol): Span[] {
  return [s.def, ...s.refs].sort((a, b) => a.offset - b.offset);
}

/** A quantifier variable in scope: the type of the list's items, and its symbol. */
interface Scoped { item: TypeExpr | null; symbol: PolicySymbol | null }

const real = (s: Span, name: string) => name !== "" && Number.isFinite(s.offset) && s.endOffset > s.offset;

class IndexBuilder {
  private readonly symbols: PolicySymbol[] = [];
  private readonly occurrences: Occurrence[] = [];
  private readonly spots: TargetSpot[] = [];
  private readonly byName = new Map<string, PolicySymbol>();
  private readonly fieldSymbols = new Map<FieldDecl, PolicySymbol>();
  /** The target of the rule, assert or limit being walked. */
  private target: Target = { kind: "any", span: NO_SPAN };

  constructor(private readonly policy: Policy, private readonly tokens: readonly IToken[]) {}

  build(): SymbolIndex {
    const p = this.policy;
    for (const d of p.types) this.declare("type", d.name, this.nameAfter(d.span, d.name), d.span);
    for (const d of p.tools) this.declare("tool", d.name, this.nameAfter(d.span, d.name), d.span);
    for (const d of p.pipes) this.declare("pipe", d.name, this.nameAfter(d.span, d.name), d.span);
    for (const d of p.consts) this.declare("const", d.name, this.nameAfter(d.span, d.name), d.span);
    for (const r of p.rules) this.declareRule(r);

    for (const d of p.types) this.typeRefs(d.type);
    for (const d of p.tools) this.typeRefs(d.param);
    for (const d of p.pipes) this.typeRefs(d.carries);
    for (const d of p.consts) this.exprRefs(d.value, null, new Map());
    for (const r of p.rules) this.clause(r.target, r.when);
    for (const a of p.asserts) this.clause(a.target, a.when);
    for (const l of p.limits) this.clause(l.target, null);
    this.occurrences.sort((a, b) => a.span.offset - b.span.offset);
    return { symbols: this.symbols, occurrences: this.occurrences, spots: this.spots };
  }

  private declare(kind: SymbolKind, name: string, def: Span | null, decl: Span, extra: Partial<PolicySymbol> = {}): PolicySymbol | null {
    if (!def || !real(def, name)) return null;
    const key = `${kind}:${name}`;
    const first = this.byName.get(key);
    // A name declared twice is the checker's error (E0201, E0205); uses go to the first.
    if (first) return null;
    const s: PolicySymbol = { kind, name, def, decl, refs: [], ...extra };
    this.byName.set(key, s);
    this.symbols.push(s);
    this.occurrences.push({ span: def, symbol: s, isDef: true });
    return s;
  }

  private ref(kind: SymbolKind, name: string, span: Span): void {
    const s = this.byName.get(`${kind}:${name}`);
    if (!s || !real(span, name)) return;
    s.refs.push(span);
    this.occurrences.push({ span, symbol: s, isDef: false });
  }

  private declareRule(r: Rule): void {
    const line = r.span.line;
    const id = r.id ?? `${this.policy.name}:${line}`;
    const idTok = r.idSpan ? this.tokensIn(r.idSpan).find((t) => tokenMatcher(t, L.StringLit)) : undefined;
    const effect = this.tokenAt(r.span.offset);
    const def = idTok ? L.tokenSpan(idTok, r.span.file) : effect ? L.tokenSpan(effect, r.span.file) : null;
    const s = this.declare("rule", id, def, r.idSpan ? L.joinSpans(r.idSpan, r.span) : r.span, { rule: r });
    // The effect keyword also names the rule, for hover.
    if (s && idTok && effect) this.occurrences.push({ span: L.tokenSpan(effect, r.span.file), symbol: s, isDef: false });
  }

  // ---------- tokens ----------

  private tokenIndex(offset: number): number {
    let lo = 0, hi = this.tokens.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.tokens[mid]!.startOffset < offset) lo = mid + 1; else hi = mid;
    }
    return lo;
  }

  private tokenAt(offset: number): IToken | undefined {
    const t = this.tokens[this.tokenIndex(offset)];
    return t && t.startOffset === offset ? t : undefined;
  }

  private tokensIn(span: Span): IToken[] {
    const out: IToken[] = [];
    for (let i = this.tokenIndex(span.offset); i < this.tokens.length && this.tokens[i]!.startOffset < span.endOffset; i++) out.push(this.tokens[i]!);
    return out;
  }

  /** The name token right after a declaration's keyword (`type NAME`, `tool NAME(…)`, …). */
  private nameAfter(decl: Span, name: string): Span | null {
    const t = this.tokens[this.tokenIndex(decl.offset) + 1];
    return t && t.image === name ? L.tokenSpan(t, decl.file) : null;
  }

  // ---------- references ----------

  private typeRefs(t: TypeExpr): void {
    switch (t.kind) {
      case "ref": this.ref("type", t.name, t.span); break;
      case "union": t.members.forEach((m) => this.typeRefs(m)); break;
      case "array": this.typeRefs(t.elem); break;
      case "record":
        for (const f of t.fields) {
          const def = { ...f.span, endLine: f.span.line, endCol: f.span.col + f.name.length, endOffset: f.span.offset + f.name.length };
          const s = this.declareField(f, def);
          if (s) this.fieldSymbols.set(f, s);
          this.typeRefs(f.type);
        }
        break;
      default: break;
    }
  }

  private declareField(f: FieldDecl, def: Span): PolicySymbol | null {
    if (!real(def, f.name)) return null;
    // Fields are keyed by their declaration: two records may each have an `amount`.
    const s: PolicySymbol = { kind: "field", name: f.name, def, decl: f.span, refs: [], field: f };
    this.symbols.push(s);
    this.occurrences.push({ span: def, symbol: s, isDef: true });
    return s;
  }

  private clause(target: Target, when: Expr | null): void {
    if (target.kind === "tool" && target.name !== "*") this.ref("tool", target.name, tail(target.span, target.name));
    if (target.kind === "pipe") this.ref("pipe", target.name, tail(target.span, target.name));
    if (Number.isFinite(target.span.offset)) this.spots.push({ span: target.span, target, kind: "target" });
    this.target = target;
    if (when) this.exprRefs(when, this.argsType(target), new Map());
  }

  private argsType(t: Target): TypeExpr | null {
    if (t.kind === "tool") return this.policy.tools.find((d) => d.name === t.name)?.param ?? null;
    if (t.kind === "pipe") return this.policy.pipes.find((d) => d.name === t.name)?.carries ?? null;
    return null;
  }

  /** Follows type names to the type they stand for. */
  private deref(t: TypeExpr | null): TypeExpr | null {
    for (let i = 0; t && t.kind === "ref" && i < MAX_DEREF; i++) {
      const name: string = t.name;
      t = this.policy.types.find((d) => d.name === name)?.type ?? null;
    }
    return t && t.kind !== "ref" ? t : null;
  }

  /** Walks an expression, recording const and field references; returns the declared type of
   *  `args…` chains (null for anything else). `vars` are the quantifier variables in scope. */
  private exprRefs(e: Expr, args: TypeExpr | null, vars: Map<string, Scoped>): TypeExpr | null {
    const walk = (x: Expr) => this.exprRefs(x, args, vars);
    switch (e.kind) {
      case "ident":
        const v = vars.get(e.name);
        if (v) {
          if (v.symbol && real(e.span, e.name)) { v.symbol.refs.push(e.span); this.occurrences.push({ span: e.span, symbol: v.symbol, isDef: false }); }
          return v.item;
        }
        if (e.name === "args") {
          if (real(e.span, e.name)) this.spots.push({ span: e.span, target: this.target, kind: "args" });
          return args;
        }
        if (!BUILTIN_NAMES.has(e.name)) this.ref("const", e.name, e.span);
        return null;
      case "member": {
        if (e.object.kind === "ident" && e.object.name === "agent" && !vars.has("agent")) {
          this.spots.push({ span: e.span, target: this.target, kind: "agent", field: e.name });
          return null;
        }
        const rec = this.deref(walk(e.object));
        if (rec?.kind !== "record") return null;
        const f = rec.fields.find((x) => x.name === e.name);
        const s = f && this.fieldSymbols.get(f);
        if (!f || !s) return null;
        const span = tail(e.span, e.name);
        s.refs.push(span);
        this.occurrences.push({ span, symbol: s, isDef: false });
        return f.type;
      }
      case "index": walk(e.object); walk(e.index); return null;
      case "call": {
        // The method's name: the last `.NAME(` in the call's text.
        const toks = this.tokensIn(e.span);
        for (let i = toks.length - 2; i > 0; i--) {
          if (toks[i]!.image === e.name && tokenMatcher(toks[i - 1]!, L.Dot) && tokenMatcher(toks[i + 1]!, L.LParen)) {
            this.spots.push({ span: L.tokenSpan(toks[i]!, e.span.file), target: this.target, kind: "method", field: e.name });
            break;
          }
        }
        walk(e.receiver); e.args.forEach(walk); return null;
      }
      case "fn": e.args.forEach(walk); return null;
      case "list": e.items.forEach(walk); return null;
      case "unary": walk(e.operand); return null;
      case "binary": case "in": walk(e.left); walk(e.right); return null;
      case "range": walk(e.lo); walk(e.hi); return null;
      case "quant": {
        const list = this.deref(walk(e.list));
        const item = list?.kind === "array" ? list.elem : null;
        // `any(NAME in …`: the variable is the third token of the quantifier.
        const tok = this.tokens[this.tokenIndex(e.span.offset) + 2];
        const def = tok && tok.image === e.variable ? L.tokenSpan(tok, e.span.file) : null;
        let symbol: PolicySymbol | null = null;
        if (def && real(def, e.variable)) {
          symbol = { kind: "variable", name: e.variable, def, decl: e.span, refs: [], quant: { list: e.list, item } };
          this.symbols.push(symbol);
          this.occurrences.push({ span: def, symbol, isDef: true });
        }
        const inner = new Map(vars).set(e.variable, { item, symbol });
        this.exprRefs(e.body, args, inner);
        return null;
      }
      default: return null;
    }
  }
}

/** The span of the last `name.length` characters of a span on one line (`tool NAME`, `x.NAME`). */
function tail(span: Span, name: string): Span {
  return { ...span, line: span.endLine, col: span.endCol - name.length, offset: span.endOffset - name.length };
}
