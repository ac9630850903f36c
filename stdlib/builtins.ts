// Every builtin of .acp, defined once: its signature (used by the checker and the cost bound),
// its meaning (used by the reference interpreter) and its WASM lowering (stdlib/lower.ts keys
// the same names, and a test checks the two registries cover each other).
import { inCidr, parseIp } from "./ip.js";
import { oracleCidr, oracleRegExp, type PatternKind } from "./patterns.js";

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
}

const asciiLower = (s: string) => s.replace(/[A-Z]+/g, (c) => c.toLowerCase());
const asciiUpper = (s: string) => s.replace(/[a-z]+/g, (c) => c.toUpperCase());

const defs: Builtin[] = [
  { name: "startsWith", receiver: "string", params: ["string"], pattern: null, returns: "bool", cost: 1,
    interp: (s, [p]) => (s as string).startsWith(p!) },
  { name: "endsWith", receiver: "string", params: ["string"], pattern: null, returns: "bool", cost: 1,
    interp: (s, [p]) => (s as string).endsWith(p!) },
  { name: "contains", receiver: "string", params: ["string"], pattern: null, returns: "bool", cost: 2,
    interp: (s, [p]) => (s as string).includes(p!) },
  { name: "lower", receiver: "string", params: [], pattern: null, returns: "string", cost: 1,
    interp: (s) => asciiLower(s as string) },
  { name: "upper", receiver: "string", params: [], pattern: null, returns: "string", cost: 1,
    interp: (s) => asciiUpper(s as string) },
  { name: "matches", receiver: "string", params: [], pattern: "string", returns: "bool", cost: 1,
    interp: (s, _a, p) => oracleRegExp("string", p!).test(s as string) },
  { name: "matchesRegex", receiver: "string", params: [], pattern: "regex", returns: "bool", cost: 1,
    interp: (s, _a, p) => oracleRegExp("regex", p!).test(s as string) },
  { name: "inCidr", receiver: "ip", params: [], pattern: "cidr", returns: "bool", cost: 1,
    interp: (ip, _a, p) => inCidr(ip as ReturnType<typeof parseIp>, oracleCidr(p!)) },
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
