// Completion: what may come next where the cursor is. The text there is usually half typed and
// does not parse, so the context is read from the tokens before the cursor and the line so far;
// the names offered (tools, pipes, types, consts, fields) come from the recovered policy.
import { tokenMatcher, type IToken } from "chevrotain";
import * as L from "../../grammar/lexer.js";
import { AGENT_READS, BUILTIN_ARGS, SYSCALLS, type TypeDesc } from "../../stdlib/abi/types.js";
import { BUILTINS } from "../../stdlib/builtins.js";
import { typeToString } from "../check/types.js";
import type { Analysis } from "./analysis.js";

export type CompletionKind = "syscall" | "tool" | "pipe" | "field" | "keyword" | "type" | "method" | "const" | "variable";

export interface Completion { label: string; kind: CompletionKind; detail?: string; insertText?: string }

export interface Completions { items: Completion[]; /** Offset where the word being typed starts. */ from: number }

/** Targets of rules, asserts and limits, as written after the effect. */
const TARGETS: { label: string; detail: string }[] = [
  ...SYSCALLS.filter((s) => s !== "tool.call").map((s) => ({ label: s, detail: syscallDetail(s) })),
  { label: "tool", detail: "tool.call: `tool NAME` or `tool *`" },
  { label: "*", detail: "every syscall" },
];

const VIOLATION: Record<string, string> = {
  kill: "end the agent when no rule matches (the default)", deny: "fail the syscall with EPERM", stop: "hold the agent for an operator",
};
const LENGTH: Completion = { label: "length", kind: "field", detail: "number: length of a string or list" };
const ITEM_KEYWORDS = ["allow", "deny", "kill", "stop", "audit", "type", "tool", "const", "pipe", "limit", "assert never", "version", "on violation", "@id"];
const EXPR_WORDS = ["args", "agent", "target", "not", "and", "or", "in", "any", "all", "ip", "true", "false"];

function syscallDetail(s: string): string {
  if (s.startsWith("pipe.")) return "args: the pipe's message type";
  const args = BUILTIN_ARGS[s as keyof typeof BUILTIN_ARGS];
  return args ? `args: ${typeToString(args)}` : "no args";
}

export function completeAt(a: Analysis, offset: number): Completions {
  const text = a.text;
  const lineStart = Math.max(text.lastIndexOf("\n", offset - 1), text.lastIndexOf("\r", offset - 1)) + 1;
  const line = text.slice(lineStart, offset);
  const word = /[A-Za-z_][A-Za-z0-9_]*$/.exec(line)?.[0] ?? "";
  const from = offset - word.length;
  const before = line.slice(0, line.length - word.length);
  const items = (list: Completion[]): Completions => ({ items: list, from });
  const ast = a.ast;

  if (/\bon\s+violation\s+$/.test(before)) return items(["kill", "deny", "stop"].map((e) => ({ label: e, kind: "keyword", detail: VIOLATION[e] })));
  if (/\bper\s+$/.test(before)) return items(["30s", "1m", "1h", "1d"].map((d) => ({ label: d, kind: "keyword", detail: "a window: a whole number and s, m, h or d" })));
  if (/\bagent\.$/.test(before)) return items(AGENT_READS.map((f) => ({ label: f, kind: "field", detail: f === "labels" ? "map of string (agent.labels[\"team\"])" : "string" })));
  // `args.a.b.` or `x.a.` where `x` is a quantifier's variable over a list under `args`.
  const path = /\b([A-Za-z_][A-Za-z0-9_]*)((?:\.[A-Za-z_][A-Za-z0-9_]*)*)\.$/.exec(before);
  const root = path && (path[1] === "args" ? argsTypeAt(a, from) : variableType(a, path[1]!, from));
  const argsPath = path && (path[1] === "args" || root) ? path : null;
  if (argsPath) {
    const t = walk(root ?? null, argsPath[2]!);
    if (t?.t === "record") return items(t.fields.map((f) => ({ label: f.name, kind: "field", detail: `${f.name}${f.optional ? "?" : ""}: ${typeToString(f.type)}` })));
    if (t?.t === "array") return items([LENGTH]);
    if (t?.t !== "string" && t?.t !== "enum") return items([]);
  }
  if (/\bfs\.$/.test(before)) return items(["read", "write", "list", "delete"].map((op) => ({ label: op, kind: "syscall", detail: syscallDetail(`fs.${op}`) })));
  if (/\bnet\.$/.test(before)) return items([{ label: "fetch", kind: "syscall", detail: syscallDetail("net.fetch") }]);
  if (/\bpipe\.$/.test(before)) return items(["send", "recv"].map((op) => ({ label: op, kind: "syscall", detail: syscallDetail(`pipe.${op}`) })));
  if (/\bpipe\.(send|recv)\s+$/.test(before)) {
    return items((ast?.pipes ?? []).filter((p) => p.name).map((p) => ({ label: p.name, kind: "pipe", detail: `${p.from} -> ${p.to}` })));
  }
  if (/(^|\s)tool\s+$/.test(before) && !/^\s*tool\s+$/.test(before)) {
    const tools = (ast?.tools ?? []).filter((t) => t.name).map((t): Completion => {
      const ty = a.resolve(t.param);
      return { label: t.name, kind: "tool", detail: ty ? `args: ${typeToString(ty)}` : "tool" };
    });
    return items([...tools, { label: "*", kind: "tool", detail: "every declared tool" }]);
  }
  if (/\b(allow|deny|kill|stop|audit|never|limit)\s+$/.test(before)) return items(TARGETS.map((t) => ({ label: t.label, kind: "syscall", detail: t.detail })));
  if (/^\s*(type|tool|pipe)\b/.test(line) && /([:=(|]|\bcarries)\s*$/.test(before)) {
    const declared = (ast?.types ?? []).filter((t) => t.name).map((t): Completion => ({ label: t.name, kind: "type", detail: a.resolve(t.type) ? typeToString(a.resolve(t.type)!) : "type" }));
    return items([...declared, ...["number", "string", "bool"].map((p): Completion => ({ label: p, kind: "type" }))]);
  }
  if (/\bip\([^()]*\)\.$/.test(before)) return items([{ label: "inCidr", kind: "method", detail: "ip(x).inCidr(\"10.0.0.0/8\") -> bool" }]);
  if (argsPath || /[A-Za-z0-9_)\]"]\.$/.test(before)) {
    const methods = [...BUILTINS.values()].filter((b) => b.receiver === "string").map((b): Completion => ({
      label: b.name, kind: "method", detail: b.pattern ? `${b.name}(pattern literal) -> ${b.returns}` : `${b.name}(${b.params.join(", ")}) -> ${b.returns}`,
    }));
    return items([...methods, LENGTH]);
  }
  if (/^\s*$/.test(before)) {
    const inWhen = /\bwhen\b/.test(text.slice(itemStart(a, from), from));
    if (!inWhen) return items(ITEM_KEYWORDS.map((k) => ({ label: k, kind: "keyword" })));
  }
  const consts = (ast?.consts ?? []).filter((c) => c.name).map((c): Completion => ({ label: c.name, kind: "const", detail: a.text.slice(c.value.span.offset, c.value.span.endOffset) }));
  return items([...EXPR_WORDS.map((w): Completion => ({ label: w, kind: L.KEYWORDS.includes(w as never) ? "keyword" : "variable" })), ...consts]);
}

/** The type at the end of `.a.b` from `t`. */
function walk(t: TypeDesc | null, path: string): TypeDesc | null {
  for (const name of path.split(".").filter(Boolean)) t = t?.t === "record" ? t.fields.find((f) => f.name === name)?.type ?? null : null;
  return t;
}

/** The item type of a quantifier's variable named before an offset in the same item: `any(x in args.xs: …`. */
function variableType(a: Analysis, name: string, offset: number): TypeDesc | null {
  const text = a.text.slice(itemStart(a, offset), offset);
  const quants = [...text.matchAll(/\b(?:any|all)\(\s*([A-Za-z_][A-Za-z0-9_]*)\s+in\s+args((?:\.[A-Za-z_][A-Za-z0-9_]*)*)\s*:/g)].filter((m) => m[1] === name);
  const last = quants.at(-1);
  const list = last ? walk(argsTypeAt(a, offset), last[2]!) : null;
  return list?.t === "array" ? list.elem : null;
}

/** Tokens of the document that start before an offset. */
function tokensBefore(a: Analysis, offset: number): IToken[] {
  return a.doc.tokens.filter((t) => t.startOffset < offset);
}

/** Where the item (rule, declaration) around an offset starts: its effect or keyword. */
function itemStart(a: Analysis, offset: number): number {
  const ts = tokensBefore(a, offset);
  for (let i = ts.length - 1; i >= 0; i--) {
    const t = ts[i]!;
    if (tokenMatcher(t, L.EffectKw) || tokenMatcher(t, L.Assert) || tokenMatcher(t, L.Limit) || tokenMatcher(t, L.Type) || tokenMatcher(t, L.Const) || tokenMatcher(t, L.LCurly)) return t.startOffset;
  }
  return 0;
}

/** The type of `args` in the rule or assert being typed at an offset, read from its target's tokens. */
function argsTypeAt(a: Analysis, offset: number): TypeDesc | null {
  const ts = a.doc.tokens;
  let i = tokensBefore(a, offset).length - 1;
  while (i >= 0 && !tokenMatcher(ts[i]!, L.EffectKw) && !tokenMatcher(ts[i]!, L.Never)) i--;
  if (i < 0) return null;
  const [t1, t2, t3, t4] = [ts[i + 1], ts[i + 2], ts[i + 3], ts[i + 4]];
  if (!t1) return null;
  if (tokenMatcher(t1, L.Tool) && t2) {
    const d = a.ast?.tools.find((x) => x.name === t2.image);
    return d ? a.resolve(d.param) : null;
  }
  if (t1.image === "pipe" && t4) {
    const d = a.ast?.pipes.find((x) => x.name === t4.image);
    return d ? a.resolve(d.carries) : null;
  }
  if (t1.image === "fs" && t3?.image === "write") return BUILTIN_ARGS["fs.write"] ?? null;
  if (t1.image === "net") return BUILTIN_ARGS["net.fetch"] ?? null;
  return null;
}
