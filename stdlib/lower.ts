// The WASM lowering of every builtin in stdlib/builtins.ts, keyed by the same names. The codegen
// hands each lowering its already-lowered receiver and arguments; pattern literals are laid into
// static data here (as automata or CIDR networks), once per module.
import binaryen from "binaryen";
import type { DataBuilder } from "../compiler/codegen/data.js";
import type { WasmLib } from "../compiler/codegen/lib/names.js";
import { compileGlob, compileRegex } from "./automata/compile.js";
import { isPatternError } from "./automata/errors.js";

export interface LowerCtx {
  m: binaryen.Module;
  lib: WasmLib;
  data: DataBuilder;
}

type Ref = binaryen.ExpressionRef;
type Lowering = (c: LowerCtx, recv: Ref, args: Ref[], pattern: string | null) => Ref;

const I32 = binaryen.i32, I64 = binaryen.i64;

const call = (c: LowerCtx, fn: string, ops: Ref[], ret: binaryen.Type) => c.m.call(fn, ops, ret);

function dfaAddr(c: LowerCtx, kind: "string" | "regex", src: string): number {
  const d = kind === "regex" ? compileRegex(src) : compileGlob(src, "string");
  if (isPatternError(d) || "code" in d) throw new TypeError(`unchecked pattern reached codegen: ${src}`);
  return c.data.dfa(d);
}

export const LOWERINGS: ReadonlyMap<string, Lowering> = new Map<string, Lowering>([
  ["string.startsWith", (c, s, [p]) => call(c, c.lib.strStarts, [s, p!], I32)],
  ["string.endsWith", (c, s, [p]) => call(c, c.lib.strEnds, [s, p!], I32)],
  ["string.contains", (c, s, [p]) => call(c, c.lib.strContains, [s, p!], I32)],
  ["string.lower", (c, s) => call(c, c.lib.strLower, [s], I64)],
  ["string.upper", (c, s) => call(c, c.lib.strUpper, [s], I64)],
  ["string.matches", (c, s, _a, p) => call(c, c.lib.dfaAccepts, [c.m.i32.const(dfaAddr(c, "string", p!)), s], I32)],
  ["string.matchesRegex", (c, s, _a, p) => call(c, c.lib.dfaAccepts, [c.m.i32.const(dfaAddr(c, "regex", p!)), s], I32)],
  // The receiver of inCidr is `ip(x)`, which lowers to x itself: parsing happens here, once.
  ["ip.inCidr", (c, s, _a, p) => {
    const net = c.data.cidr(p!);
    if (!net) throw new TypeError(`unchecked CIDR reached codegen: ${p}`);
    return call(c, c.lib.ipInCidr, [s, c.m.i32.const(net.family), c.m.i32.const(net.addr), c.m.i32.const(net.prefix)], I32);
  }],
]);
