// The names of the library's functions and global inside the decision module. The codegen calls
// them through the WasmLib object addWasmLib returns, never by spelling the strings itself.

export interface WasmLib {
  /** Mutable i32 global: the bump allocator's next free byte. `decide` sets it from the header. */
  readonly heap: string;
  /** (n: i32) -> i32: n fresh bytes, 8-aligned; grows memory; traps when memory is exhausted. */
  readonly alloc: string;
  /** (p: i32, q: i32, n: i32) -> i32: the n bytes at p and q are equal. */
  readonly memEq: string;
  /** (a: i64, b: i64) -> i32 */
  readonly strEq: string;
  /** (s: i64, prefix: i64) -> i32 */
  readonly strStarts: string;
  /** (s: i64, suffix: i64) -> i32 */
  readonly strEnds: string;
  /** (s: i64, needle: i64) -> i32; an empty needle is contained in every string. */
  readonly strContains: string;
  /** (s: i64) -> i32: code points (bytes that are not UTF-8 continuation bytes). */
  readonly strLen: string;
  /** (s: i64) -> i64: ASCII letters lowered; allocates unless nothing changes. */
  readonly strLower: string;
  /** (s: i64) -> i64: ASCII letters uppered; allocates unless nothing changes. */
  readonly strUpper: string;
  /** (s: i64) -> i32: FNV-1a 32 of the bytes, as data.ts `fnv1a32`. */
  readonly hashStr: string;
  /** (x: f64) -> i32: as data.ts `hashF64`. */
  readonly hashF64: string;
  /** (set: i32, s: i64) -> i32: membership in a DataBuilder.strSet table. */
  readonly strsetHas: string;
  /** (set: i32, x: f64) -> i32: membership in a DataBuilder.numSet table (NaN is never a member). */
  readonly numsetHas: string;
  /** (table: i32, s: i64) -> i32: the state after the bytes of s (0, the dead state, stops early). */
  readonly dfaRun: string;
  /** (table: i32, s: i64) -> i32: accept[final state] != 0. */
  readonly dfaAccepts: string;
  /** (table: i32, s: i64) -> i32: accept[final state]. */
  readonly dfaAcceptId: string;
  /** (s: i64, out: i32) -> i32: 4 or 6 with the 4 or 16 address bytes written at out, 0 if s is no address. */
  readonly ipParse: string;
  /** (s: i64, family: i32, net: i32, prefix: i32) -> i32: s is an address of that family (4 or 6)
   * whose first `prefix` bits equal those of the bytes at net. */
  readonly ipInCidr: string;
  /** (labels: i32, count: i32, key: i64) -> i64: the value paired with key, or "" (0). */
  readonly labelGet: string;
}

export const NAMES: WasmLib = {
  heap: "heap",
  alloc: "alloc",
  memEq: "mem_eq",
  strEq: "str_eq",
  strStarts: "str_starts",
  strEnds: "str_ends",
  strContains: "str_contains",
  strLen: "str_len",
  strLower: "str_lower",
  strUpper: "str_upper",
  hashStr: "hash_str",
  hashF64: "hash_f64",
  strsetHas: "strset_has",
  numsetHas: "numset_has",
  dfaRun: "dfa_run",
  dfaAccepts: "dfa_accepts",
  dfaAcceptId: "dfa_accept_id",
  ipParse: "ip_parse",
  ipInCidr: "ip_in_cidr",
  labelGet: "label_get",
};

/** Helpers of ip_parse that the codegen has no reason to call directly. */
export const IP_HELPERS = {
  hexVal: "hex_val",
  ip4Parse: "ip4_parse",
  ip6Parse: "ip6_parse",
  expandGap: "ip6_expand_gap",
  prefixEq: "prefix_eq",
} as const;
