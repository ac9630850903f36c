// Name resolution and type checking of a whole policy: AST → CheckedPolicy, or every error found.
import type { Policy, Target, Expr, Span, ConstDecl } from "../../grammar/ast.js";
import { BUILTIN_ARGS, type TypeDesc } from "../../stdlib/abi/types.js";
import { checkPattern } from "../../stdlib/patterns.js";
import { canonicalizeUrl, canonicalUrlTarget } from "../../stdlib/abi/canonical-url.js";
import { isCanonicalPath } from "../../stdlib/abi/canonical-path.js";
import { diag, firstHere, hasErrors, type Diagnostic } from "../../grammar/diagnostics.js";
import type { CheckedPolicy, CheckedRule, TargetSel, Ty, Value } from "../ir.js";
import { ExprChecker } from "./expr.js";
import { TypeResolver } from "./types.js";

export interface CheckResult { checked: CheckedPolicy | null; diagnostics: Diagnostic[] }

/** The request check (`conforms`) and encoder refuse values nested deeper than this: a deeper
 *  declared type could never be met, so every call would be a violation. */
const MAX_TYPE_DEPTH = 64;

function tooDeepType(t: TypeDesc, span: Span, out: Diagnostic[]): boolean {
  let deepest = 0;
  const stack: [TypeDesc, number][] = [[t, 0]];
  while (stack.length) {
    const [x, d] = stack.pop()!;
    deepest = Math.max(deepest, d);
    if (x.t === "array") stack.push([x.elem, d + 1]);
    if (x.t === "record") for (const f of x.fields) stack.push([f.type, d + 1]);
  }
  if (deepest <= MAX_TYPE_DEPTH) return false;
  out.push(diag("E0130", `this type nests ${deepest} levels deep; requests are checked to ${MAX_TYPE_DEPTH} levels, so no value of it would ever conform`, span));
  return true;
}

export function check(policy: Policy, source: string, file: string): CheckResult {
  const out: Diagnostic[] = [];
  const types = new TypeResolver(policy.types, out);
  const typeTable = types.all();
  for (const d of policy.types) if (typeTable[d.name] && tooDeepType(typeTable[d.name]!, d.span, out)) delete typeTable[d.name];

  // Tools and pipes by name, and every declared name (a declaration whose type failed is declared
  // too): a policy may declare thousands, so no pass looks them up by scanning.
  const tools: CheckedPolicy["tools"] = [];
  const names: Declared = { tools: new Map(), pipes: new Map(), toolNames: new Set(policy.tools.map((x) => x.name)), pipeNames: new Set(policy.pipes.map((x) => x.name)) };
  for (const t of policy.tools) {
    if (names.tools.has(t.name)) { out.push(firstHere(diag("E0201", `tool \`${t.name}\` is declared twice`, t.span), policy.tools.find((x) => x.name === t.name)!.span)); continue; }
    const param = types.resolve(t.param);
    if (param && tooDeepType(param, t.span, out)) continue;
    if (param) { names.tools.set(t.name, tools.length); tools.push({ name: t.name, param }); }
  }
  const pipes: CheckedPolicy["pipes"] = [];
  for (const p of policy.pipes) {
    if (names.pipes.has(p.name)) { out.push(firstHere(diag("E0201", `pipe \`${p.name}\` is declared twice`, p.span), policy.pipes.find((x) => x.name === p.name)!.span)); continue; }
    if (!Number.isInteger(p.capacity) || p.capacity < 1 || p.capacity > 1_000_000) {
      out.push(diag("E0501", `pipe capacity must be a whole number from 1 to 1000000, not ${p.capacity}`, p.span));
      continue;
    }
    const carries = types.resolve(p.carries);
    if (carries && tooDeepType(carries, p.span, out)) continue;
    if (carries) { names.pipes.set(p.name, pipes.length); pipes.push({ name: p.name, from: p.from, to: p.to, carries, capacity: p.capacity }); }
  }
  const consts = resolveConsts(policy.consts, out);

  const selOf = (t: Target): TargetSel | null => targetSel(t, names, out);
  const condOf = (sel: TargetSel, targetText: string, when: Expr | null) =>
    when ? new ExprChecker({ argsTy: argsType(sel, tools, pipes), targetText, consts, out }).condition(when) : null;

  const rules: CheckedRule[] = [];
  const ids = new Map<string, Span>();
  policy.rules.forEach((r, index) => {
    const id = r.id ?? `${policy.name}:${r.span.line}`;
    const prev = ids.get(id);
    if (prev) out.push(firstHere(diag("E0205", `rule id \`${id}\` is already used by the rule at line ${prev.line}`, r.idSpan ?? r.span), prev));
    else ids.set(id, r.idSpan ?? r.span);
    const sel = selOf(r.target);
    const targetText = source.slice(r.target.span.offset, r.target.span.endOffset);
    const cond = condOf(sel ?? { kind: "any" }, targetText, r.when);
    if (sel) rules.push({ index, id, effect: r.effect, target: sel, targetText, cond, span: r.span });
  });

  const limits: CheckedPolicy["limits"] = [];
  for (const l of policy.limits) {
    const sel = selOf(l.target);
    if (!Number.isInteger(l.count) || l.count < 1) { out.push(diag("E0502", `a limit count must be a positive whole number, not ${l.count}`, l.span)); continue; }
    if (!(l.windowMs > 0)) { out.push(diag("E0502", "a limit window must be positive", l.span)); continue; }
    if (sel) limits.push({ target: sel, targetText: source.slice(l.target.span.offset, l.target.span.endOffset), count: l.count, window: l.window, windowMs: l.windowMs, span: l.span });
  }

  const asserts: CheckedPolicy["asserts"] = [];
  for (const a of policy.asserts) {
    const sel = selOf(a.target);
    const targetText = source.slice(a.target.span.offset, a.target.span.endOffset);
    const cond = condOf(sel ?? { kind: "any" }, targetText, a.when);
    if (sel) asserts.push({ target: sel, targetText, cond, span: a.span });
  }

  if (hasErrors(out)) return { checked: null, diagnostics: out };
  return {
    checked: {
      name: policy.name, version: policy.version, file, source, onViolation: policy.onViolation,
      types: typeTable, tools, pipes, consts: Object.fromEntries(consts), rules, limits, asserts,
    },
    diagnostics: out,
  };
}

function resolveConsts(decls: readonly ConstDecl[], out: Diagnostic[]): Map<string, { ty: Ty; value: Value }> {
  const byName = new Map<string, ConstDecl>();
  for (const c of decls) {
    const first = byName.get(c.name);
    if (first || ["agent", "args", "target"].includes(c.name)) {
      const d = diag("E0201", `const \`${c.name}\` is declared twice or shadows a built-in name`, c.span);
      out.push(first ? firstHere(d, first.span) : d);
    }
    else byName.set(c.name, c);
  }
  const done = new Map<string, { ty: Ty; value: Value }>();
  const visiting = new Set<string>();
  const visit = (c: ConstDecl): void => {
    if (done.has(c.name) || visiting.has(c.name)) return;
    visiting.add(c.name);
    // Consts may name other consts: resolve those first so the checker sees their values.
    for (const n of namesIn(c.value)) {
      const d = byName.get(n);
      if (d && visiting.has(n)) { out.push(diag("E0208", `const \`${c.name}\` depends on itself through \`${n}\``, c.span)); visiting.delete(c.name); return; }
      if (d) visit(d);
    }
    const r = new ExprChecker({ argsTy: null, targetText: "a const", consts: done, out }).expr(c.value);
    visiting.delete(c.name);
    if (!r) return;
    if (r.op !== "const") { out.push(diag("E0208", `const \`${c.name}\` must be a literal or a list of literals`, c.value.span)); return; }
    done.set(c.name, { ty: r.ty, value: r.value });
  };
  for (const c of byName.values()) visit(c);
  return done;
}

function namesIn(e: Expr): string[] {
  switch (e.kind) {
    case "ident": return [e.name];
    case "list": return e.items.flatMap(namesIn);
    case "unary": return namesIn(e.operand);
    default: return [];
  }
}

/**
 * Warns about a glob no request can match: targets are canonical, and the glob's fixed text is not
 * (`"/mem/secrets/"`, `"https://EVIL.example/**"`, `":443"`). A deny or kill written so protects
 * nothing. Tested on one witness, every `*` taken as `a` and every `**` as `a/a`: canonical forms
 * treat those like any other text, so the witness is canonical exactly when the fixed text allows it.
 */
function neverCanonical(kind: "path" | "url", glob: string, span: Span, out: Diagnostic[]): void {
  const witness = glob.replace(/\*\*|\*/g, (m) => (m === "**" ? "a/a" : "a"));
  if (kind === "path" ? isCanonicalPath(witness) : canonicalUrlTarget(witness) !== null) return;
  const canon = kind === "url" ? canonicalizeUrl(witness)?.href : undefined;
  out.push(diag("W0104", `this glob never matches: ${kind === "path" ? "paths are canonical (absolute, no empty, `.` or `..` segment, no trailing `/`)" : "URLs are canonical (lower-case scheme and host, no default port, no empty host label, no fragment or user info)"}`
    + (canon ? `, and \`${witness}\` would be \`${canon}\`` : ""), span));
}

/** The checked tools' and pipes' positions by name, and every name declared. */
interface Declared { tools: Map<string, number>; pipes: Map<string, number>; toolNames: Set<string>; pipeNames: Set<string> }

function targetSel(t: Target, names: Declared, out: Diagnostic[]): TargetSel | null {
  switch (t.kind) {
    case "fs": {
      const e = checkPattern("path", t.glob);
      if (e) { out.push(diag(e.code, `${e.message} (in ${JSON.stringify(t.glob)} at offset ${e.offset})`, t.span)); return null; }
      neverCanonical("path", t.glob, t.span, out);
      return { kind: "fs", op: t.op, syscall: `fs.${t.op}`, glob: t.glob };
    }
    case "net": {
      const e = checkPattern("url", t.glob);
      if (e) { out.push(diag(e.code, `${e.message} (in ${JSON.stringify(t.glob)} at offset ${e.offset})`, t.span)); return null; }
      neverCanonical("url", t.glob, t.span, out);
      return { kind: "net", glob: t.glob };
    }
    case "tool": {
      if (t.name === "*") return { kind: "tool", name: "*", toolIndex: null };
      const i = names.tools.get(t.name);
      if (i === undefined) {
        // A tool whose type failed to resolve is declared; its error is already reported.
        if (!names.toolNames.has(t.name)) out.push(diag("E0203", `unknown tool \`${t.name}\` (declare it: tool ${t.name}({ … }))`, t.span));
        return null;
      }
      return { kind: "tool", name: t.name, toolIndex: i };
    }
    case "pipe": {
      const i = names.pipes.get(t.name);
      if (i === undefined) {
        if (!names.pipeNames.has(t.name)) out.push(diag("E0204", `unknown pipe \`${t.name}\``, t.span));
        return null;
      }
      return { kind: "pipe", op: t.op, syscall: `pipe.${t.op}`, name: t.name, pipeIndex: i };
    }
    case "spawn": case "signal": case "checkpoint": return { kind: t.kind };
    case "any": return { kind: "any" };
  }
}

/** The type of `args` under a target, or null where the target has none. */
export function argsType(sel: TargetSel, tools: CheckedPolicy["tools"], pipes: CheckedPolicy["pipes"]): TypeDesc | null {
  switch (sel.kind) {
    case "fs": return sel.op === "write" ? BUILTIN_ARGS["fs.write"]! : null;
    case "net": return BUILTIN_ARGS["net.fetch"]!;
    case "tool": return sel.toolIndex === null ? null : tools[sel.toolIndex]!.param;
    case "pipe": return pipes[sel.pipeIndex]!.carries;
    default: return null;
  }
}
