// The runtime library of a decision module: the internal functions builtins lower to (string
// tests, case mapping, hashed set lookup, DFA runs, IP/CIDR matching, label lookup) and the bump
// allocator they share. Nothing is imported or exported: the module stays import-free (docs/abi.md)
// and the codegen calls these by the names in the returned WasmLib. The functions read the
// tables compiler/codegen/data.ts lays out; the layouts are documented there.
//
// The functions access memory "0", the name binaryen gives the memory of `setMemory` by default;
// the caller may set the memory before or after calling addWasmLib.
import binaryen from "binaryen";
import { addAlloc, addHeap } from "./lib/alloc.js";
import { addExpandGap, addHexVal, addIp4Parse, addIp6Parse, addIpInCidr, addIpParse, addPrefixEq } from "./lib/ip.js";
import { NAMES, type WasmLib } from "./lib/names.js";
import {
  addHashStr,
  addMemEq,
  addStrContains,
  addStrEnds,
  addStrEq,
  addStrLen,
  addStrLower,
  addStrStarts,
  addStrUpper,
} from "./lib/strings.js";
import {
  addDfaAcceptId,
  addDfaAccepts,
  addDfaRun,
  addHashF64,
  addLabelGet,
  addNumsetHas,
  addStrsetHas,
} from "./lib/tables.js";

export type { WasmLib } from "./lib/names.js";
export { MEM } from "./lib/dsl.js";

export interface WasmLibOptions {
  /** Initial value of the `heap` global. `decide` normally overwrites it with the request
   * header's heap-start field before anything allocates; the default 0 is only a placeholder. */
  heapStart?: number;
}

const builders: ((m: binaryen.Module) => void)[] = [
  addAlloc,
  addMemEq,
  addStrEq,
  addStrStarts,
  addStrEnds,
  addStrContains,
  addStrLen,
  addStrLower,
  addStrUpper,
  addHashStr,
  addHashF64,
  addStrsetHas,
  addNumsetHas,
  addDfaRun,
  addDfaAcceptId,
  addDfaAccepts,
  addHexVal,
  addIp4Parse,
  addIp6Parse,
  addExpandGap,
  addIpParse,
  addPrefixEq,
  addIpInCidr,
  addLabelGet,
];

/** Adds the library to `mod` (once per module) and returns the names to call it by. */
export function addWasmLib(mod: binaryen.Module, options: WasmLibOptions = {}): WasmLib {
  addHeap(mod, options.heapStart ?? 0);
  for (const build of builders) build(mod);
  return NAMES;
}
