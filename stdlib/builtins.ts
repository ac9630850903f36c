// Every builtin of .acp, defined once: its signature (used by the checker and the cost bound),
// its meaning (used by the reference interpreter) and its WASM lowering (used by the codegen).
// Keeping the three side by side is what keeps them from drifting.
import binaryen from "binaryen";
import type { Dfa } from "./automata/dfa.js";
import { isPatternError } from "./automata/errors.js";
import { inCidr, parseIp } from "./ip.js";
import { oracleCidr, oracleRegExp, patternDfa, type PatternKind } from "./patterns.js";

/** What a lowering may use: the module, the support library's function names, and the static
 * data builder. The codegen's WasmLib and DataBuilder are these, and more; the builtins need no
 * more of them than this, so the stdlib depends on nothing above it. */
export interface LowerCtx {
  m: binaryen.Module;
  lib: Readonly<Record<"strStarts" | "strEnds" | "strContains" | "strLower" | "strUpper" | "dfaAccepts" | "ipInCidr", string>>;
  data: {
    /** Lays a DFA out as a table; its address. */
    dfa(d: Dfa): number;
    /** Lays a CIDR's network address out; null for no CIDR. */
    cidr(text: string): { family: 4 | 6; addr: number; prefix: number } | null;
  };
}
type Ref = binaryen.ExpressionRef;

export type Receiver = "string" | "ip";

export interface Builtin {
  name: string;
  receiver: Receiver;
  /** Types of the ordinary (non-pattern) arguments. */
  params: readonly "string"[];
  /** A literal pattern argument compiled ahead of time, if the builtin takes one. */
  pattern: Exclude<PatternKind, "path" | "url"> | null;
  returns: "bool" | "string";
  /** Abstract steps for the cost bound (docs/abi.md): one per linear scan of the input. */
  cost: number;
  interp(recv: unknown, args: readonly string[], pattern: string | null): boolean | string;
  /** The WASM: receiver and arguments already lowered (for `inCidr` the receiver is the string x of `ip(x)`). */
  lower(c: LowerCtx, recv: Ref, args: Ref[], pattern: string | null): Ref;
}

const { i32, i64 } = binaryen;
const call = (c: LowerCtx, fn: string, ops: Ref[], ret: binaryen.Type) => c.m.call(fn, ops, ret);

/** Lays a literal glob or regex out as a DFA table, once per module. */
function dfaAddr(c: LowerCtx, kind: "string" | "regex", src: string): number {
  const d = patternDfa(kind, src);
  if (isPatternError(d)) throw new TypeError(`unchecked pattern reached codegen: ${src}`);
  return c.data.dfa(d);
}

const asciiLower = (s: string) => s.replace(/[A-Z]+/g, (c) => c.toLowerCase());
const asciiUpper = (s: string) => s.replace(/[a-z]+/g, (c) => c.toUpperCase());

const defs: Builtin[] = [
  { name: "startsWith", receiver: "string", params: ["string"], pattern: null, returns: "bool", cost: 1,
    interp: (s, [p]) => (s as string).startsWith(p!),
    lower: (c, s, [p]) => call(c, c.lib.strStarts, [s, p!], i32) },
  { name: "endsWith", receiver: "string", params: ["string"], pattern: null, returns: "bool", cost: 1,
    interp: (s, [p]) => (s as string).endsWith(p!),
    lower: (c, s, [p]) => call(c, c.lib.strEnds, [s, p!], i32) },
  { name: "contains", receiver: "string", params: ["string"], pattern: null, returns: "bool", cost: 2,
    interp: (s, [p]) => (s as string).includes(p!),
    lower: (c, s, [p]) => call(c, c.lib.strContains, [s, p!], i32) },
  { name: "lower", receiver: "string", params: [], pattern: null, returns: "string", cost: 1,
    interp: (s) => asciiLower(s as string),
    lower: (c, s) => call(c, c.lib.strLower, [s], i64) },
  { name: "upper", receiver: "string", params: [], pattern: null, returns: "string", cost: 1,
    interp: (s) => asciiUpper(s as string),
    lower: (c, s) => call(c, c.lib.strUpper, [s], i64) },
  { name: "matches", receiver: "string", params: [], pattern: "string", returns: "bool", cost: 1,
    interp: (s, _a, p) => oracleRegExp("string", p!).test(s as string),
    lower: (c, s, _a, p) => call(c, c.lib.dfaAccepts, [c.m.i32.const(dfaAddr(c, "string", p!)), s], i32) },
  { name: "matchesRegex", receiver: "string", params: [], pattern: "regex", returns: "bool", cost: 1,
    interp: (s, _a, p) => oracleRegExp("regex", p!).test(s as string),
    lower: (c, s, _a, p) => call(c, c.lib.dfaAccepts, [c.m.i32.const(dfaAddr(c, "regex", p!)), s], i32) },
  { name: "inCidr", receiver: "ip", params: [], pattern: "cidr", returns: "bool", cost: 1,
    interp: (ip, _a, p) => inCidr(ip as ReturnType<typeof parseIp>, oracleCidr(p!)),
    // Parsing happens here, on the string, so `ip(x)` costs nothing of its own.
    lower: (c, s, _a, p) => {
      const net = c.data.cidr(p!);
      if (!net) throw new TypeError(`unchecked CIDR reached codegen: ${p}`);
      return call(c, c.lib.ipInCidr, [s, c.m.i32.const(net.family), c.m.i32.const(net.addr), c.m.i32.const(net.prefix)], i32);
    } },
];

export const BUILTINS: ReadonlyMap<string, Builtin> = new Map(defs.map((b) => [`${b.receiver}.${b.name}`, b]));

export function findBuiltin(receiver: Receiver, name: string): Builtin | undefined {
  return BUILTINS.get(`${receiver}.${name}`);
}

/** Code-point length, the meaning of `.length` on strings. */
export function codePointLength(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

export { parseIp };
