// Static data of a decision module: string constants, hashed sets, automaton tables and CIDR
// networks, laid out once at compile time so `decide` only reads them. Everything lives in one
// data segment from DATA_BASE upwards (0..1023 stay reserved); the request goes above `end()`.
// The layouts written here are read by the functions in wasm-lib.ts; the two must agree, which is
// why the hash functions are exported from here and mirrored there.
import type { Dfa } from "../../stdlib/automata/dfa.js";
import { parseCidr as parseCidrAddr, parseIp as parseIpAddr } from "../../stdlib/ip.js";

/** First address of static data; 0..1023 are reserved. */
export const DATA_BASE = 1024;

/** Size of the header that precedes a hash set's entries: u32 capacity, u32 count. */
export const SET_HEADER = 8;
/** Size of one hash-set entry (string or number set). */
export const SET_ENTRY = 16;
/** Size of a DFA table's header: u32 numClasses, u32 start, u32 numStates. */
export const DFA_HEADER = 12;
/** Offset of the transition table inside a DFA table: the header, then the 256-byte class map. */
export const DFA_TRANS = DFA_HEADER + 256;

const utf8 = new TextEncoder();

/** FNV-1a, 32 bits, over bytes. `hash_str` in wasm-lib.ts computes the same. */
export function fnv1a32(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193);
  return h >>> 0;
}

/**
 * Hash of a number for the number set: murmur3's fmix32 over the xor of the two halves of the
 * f64 bits, after turning -0 into 0 (they are equal, so they must hash alike). `hash_f64` in
 * wasm-lib.ts computes the same.
 */
export function hashF64(x: number): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x + 0, true); // x + 0 maps -0 to +0 and leaves everything else unchanged
  let h = view.getUint32(0, true) ^ view.getUint32(4, true);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The packed representation of a string: address in the low 32 bits, byte length in the high. */
export function packStr(addr: number, length: number): bigint {
  return BigInt(addr >>> 0) | (BigInt(length >>> 0) << 32n);
}

/** Smallest power of two ≥ max(1, 2n): load factor ≤ ½, so a probe always meets an empty slot. */
function setCapacity(n: number): number {
  let cap = 1;
  while (cap < 2 * n) cap *= 2;
  return cap;
}

export interface Cidr {
  family: 4 | 6;
  /** Address of the 4 (IPv4) or 16 (IPv6) bytes of the network address, host bits cleared. */
  addr: number;
  prefix: number;
}

export class DataBuilder {
  private buf = new Uint8Array(4096);
  /** Bytes used in `buf`; buf[0] is at DATA_BASE. */
  private used = 0;
  private readonly strings = new Map<string, bigint>();

  /** The first free address, 8-aligned: where the caller may place whatever follows the data. */
  end(): number {
    return align(DATA_BASE + this.used, 8);
  }

  /** The data to place in memory: one segment, or none when nothing was added. */
  segments(): { offset: number; data: Uint8Array }[] {
    if (this.used === 0) return [];
    return [{ offset: DATA_BASE, data: this.buf.slice(0, this.used) }];
  }

  /** Copies bytes in at an address aligned to `align` (a power of two); returns the address. */
  bytes(u8: Uint8Array, alignment = 1): number {
    const addr = this.reserve(u8.length, alignment);
    this.buf.set(u8, addr - DATA_BASE);
    return addr;
  }

  /** A string constant as a packed i64 (ABI: address | length << 32). Identical strings share bytes. */
  str(s: string): bigint {
    if (s === "") return 0n;
    const known = this.strings.get(s);
    if (known !== undefined) return known;
    const bytes = utf8.encode(s);
    const packed = packStr(this.bytes(bytes, 1), bytes.length);
    this.strings.set(s, packed);
    return packed;
  }

  /**
   * A set of strings for `strset_has`, as an open-addressing hash table with linear probing.
   * Layout (8-aligned):
   *   +0  u32 capacity (a power of two ≥ 2 × count, at least 1)
   *   +4  u32 count
   *   +8  capacity entries of 16 bytes: u32 full (1 used, 0 empty), u32 hash (FNV-1a 32 of the
   *       UTF-8 bytes, compared before the bytes), i64 packed string
   * A value sits at the first empty slot from `hash & (capacity - 1)` onwards; the lookup stops
   * at the first empty slot, which exists because the table is at most half full.
   */
  strSet(values: string[]): number {
    const unique = [...new Set(values)];
    // Intern the strings first: reserving may move `buf`, which would strand a live DataView.
    const packed = unique.map((s) => this.str(s));
    const cap = setCapacity(unique.length);
    const addr = this.setHeader(cap, unique.length);
    unique.forEach((s, i) => {
      const hash = fnv1a32(utf8.encode(s));
      const v = this.view(this.freeSlot(addr, cap, hash), SET_ENTRY);
      v.setUint32(0, 1, true);
      v.setUint32(4, hash, true);
      v.setBigUint64(8, packed[i]!, true);
    });
    return addr;
  }

  /**
   * A set of numbers for `numset_has`: the same table as `strSet`, with entries of u32 full, u32
   * unused, f64 value, hashed by `hashF64`. -0 is stored as 0; NaN is left out because NaN equals
   * nothing, so `NaN in [NaN]` is false.
   */
  numSet(values: number[]): number {
    const unique = [...new Set(values.filter((x) => !Number.isNaN(x)).map((x) => x + 0))];
    const cap = setCapacity(unique.length);
    const addr = this.setHeader(cap, unique.length);
    for (const x of unique) {
      const entry = this.freeSlot(addr, cap, hashF64(x));
      const v = this.view(entry, SET_ENTRY);
      v.setUint32(0, 1, true);
      v.setFloat64(8, x, true);
    }
    return addr;
  }

  /**
   * An automaton table for `dfa_run`/`dfa_accepts`/`dfa_accept_id`. Layout (8-aligned):
   *   +0    u32 numClasses
   *   +4    u32 start, as a row offset (start × numClasses × 4)
   *   +8    u32 numStates
   *   +12   256 bytes: class of each byte value
   *   +268  numStates × numClasses u32: the next state's row offset (next × numClasses × 4), row-major
   *         (trans[state * numClasses + class]); row offsets keep a multiply off the per-byte path
   *   then  numStates u32: accept label of each state (0 = not accepting)
   * Throws on a malformed Dfa: that is a compiler bug, not a user error.
   */
  dfa(d: Dfa): number {
    checkDfa(d);
    const size = DFA_TRANS + 4 * (d.trans.length + d.accept.length);
    const addr = this.reserve(size, 8);
    const v = this.view(addr, size);
    const row = 4 * d.numClasses;
    v.setUint32(0, d.numClasses, true);
    v.setUint32(4, d.start * row, true);
    v.setUint32(8, d.numStates, true);
    this.buf.set(d.classOf, addr - DATA_BASE + DFA_HEADER);
    d.trans.forEach((t, i) => v.setUint32(DFA_TRANS + 4 * i, t * row, true));
    const acceptAt = DFA_TRANS + 4 * d.trans.length;
    d.accept.forEach((a, i) => v.setUint32(acceptAt + 4 * i, a, true));
    return addr;
  }

  /**
   * A CIDR literal `ADDRESS/PREFIX` (IPv4 prefix ≤ 32, IPv6 ≤ 128, decimal without leading zeros)
   * for `ip_in_cidr`. Stores the network address with the host bits cleared. Null when the text
   * is not a CIDR: the caller reports it (E0403).
   */
  cidr(text: string): Cidr | null {
    const parsed = parseCidr(text);
    if (parsed === null) return null;
    const addr = this.bytes(parsed.network, 8);
    return { family: parsed.family, addr, prefix: parsed.prefix };
  }

  /** Reserves `size` zeroed bytes at an address aligned to `alignment`; returns the address. */
  private reserve(size: number, alignment: number): number {
    if (!Number.isInteger(alignment) || alignment < 1 || (alignment & (alignment - 1)) !== 0) {
      throw new Error(`alignment must be a power of two, got ${alignment}`);
    }
    const addr = align(DATA_BASE + this.used, alignment);
    const newUsed = addr - DATA_BASE + size;
    if (newUsed > this.buf.length) {
      const grown = new Uint8Array(Math.max(newUsed, this.buf.length * 2));
      grown.set(this.buf.subarray(0, this.used));
      this.buf = grown;
    }
    this.used = newUsed;
    return addr;
  }

  private view(addr: number, size: number): DataView {
    return new DataView(this.buf.buffer, this.buf.byteOffset + addr - DATA_BASE, size);
  }

  private setHeader(cap: number, count: number): number {
    const addr = this.reserve(SET_HEADER + SET_ENTRY * cap, 8);
    this.view(addr, SET_HEADER).setUint32(0, cap, true);
    this.view(addr, SET_HEADER).setUint32(4, count, true);
    return addr;
  }

  /** Address of the first empty entry (its `full` word, at +0 in both sets, is 0) from `hash` on. */
  private freeSlot(set: number, cap: number, hash: number): number {
    for (let i = hash & (cap - 1); ; i = (i + 1) & (cap - 1)) {
      const entry = set + SET_HEADER + SET_ENTRY * i;
      if (this.view(entry, 4).getUint32(0, true) === 0) return entry;
    }
  }
}

function align(n: number, alignment: number): number {
  return Math.ceil(n / alignment) * alignment;
}

function checkDfa(d: Dfa): void {
  const problems: string[] = [];
  if (d.classOf.length !== 256) problems.push("classOf must have 256 entries");
  if (d.numClasses < 1 || d.numClasses > 256) problems.push("numClasses must be 1..256");
  if (d.numStates < 1) problems.push("numStates must be ≥ 1");
  if (d.start >= d.numStates) problems.push("start out of range");
  if (d.trans.length !== d.numStates * d.numClasses) problems.push("trans size ≠ numStates × numClasses");
  if (d.accept.length !== d.numStates) problems.push("accept size ≠ numStates");
  if (d.classOf.some((c) => c >= d.numClasses)) problems.push("a byte class is out of range");
  if (d.trans.some((t) => t >= d.numStates)) problems.push("a transition is out of range");
  if (problems.length > 0) throw new Error(`malformed DFA: ${problems.join("; ")}`);
}

// ---- IP addresses: the compile-time twin of ip_parse in wasm-lib (semantics in stdlib/ip.ts) ----

/** The 4 or 16 bytes of an IPv4 or IPv6 address, or null when the text is not an address. */
export function parseIp(text: string): Uint8Array | null {
  return parseIpAddr(text)?.bytes ?? null;
}

/** `ADDRESS/PREFIX` → family, prefix and network address (host bits cleared), or null. */
export function parseCidr(text: string): { family: 4 | 6; network: Uint8Array; prefix: number } | null {
  const c = parseCidrAddr(text);
  if (!c) return null;
  const network = c.bytes.slice();
  for (let bit = c.prefix; bit < network.length * 8; bit++) network[bit >> 3]! &= ~(0x80 >> (bit & 7));
  return { family: c.family, network, prefix: c.prefix };
}
