import binaryen from "binaryen";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import type { Dfa } from "../../stdlib/automata/dfa.js";
import { DATA_BASE, DataBuilder, fnv1a32, hashF64, parseIp } from "./data.js";
import { addWasmLib, type WasmLib } from "./wasm-lib.js";

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();
const { i32, i64, f64, none } = binaryen;

// Test memory map: DataBuilder data (static segments, or copied in by a test) below INPUT_BASE,
// strings the tests pass in from INPUT_BASE, the allocator's heap from HEAP_BASE.
const INPUT_BASE = 0x40000;
const HEAP_BASE = 0x80000;
const PAGES = HEAP_BASE / 0x10000 + 1;
const MAX_PAGES = 512;

/** The signature of every library entry point the tests call through an exported wrapper. */
const SIGS: [keyof WasmLib, binaryen.Type[], binaryen.Type][] = [
  ["alloc", [i32], i32],
  ["memEq", [i32, i32, i32], i32],
  ["strEq", [i64, i64], i32],
  ["strStarts", [i64, i64], i32],
  ["strEnds", [i64, i64], i32],
  ["strContains", [i64, i64], i32],
  ["strLen", [i64], i32],
  ["strLower", [i64], i64],
  ["strUpper", [i64], i64],
  ["hashStr", [i64], i32],
  ["hashF64", [f64], i32],
  ["strsetHas", [i32, i64], i32],
  ["numsetHas", [i32, f64], i32],
  ["dfaRun", [i32, i64], i32],
  ["dfaAccepts", [i32, i64], i32],
  ["dfaAcceptId", [i32, i64], i32],
  ["ipParse", [i64, i32], i32],
  ["ipInCidr", [i64, i32, i32, i32], i32],
  ["labelGet", [i32, i32, i64], i64],
];

type Exports = { [K in keyof WasmLib]: (...args: (number | bigint)[]) => any } & {
  setHeap(p: number): void;
  getHeap(): number;
};

/** Builds a module from the library plus test-only exported wrappers, and instantiates it. */
function build(opts: { optimize: boolean; data?: DataBuilder; memoryFirst?: boolean }) {
  const m = new binaryen.Module();
  const segments = (opts.data?.segments() ?? []).map((s) => ({ offset: m.i32.const(s.offset), data: s.data }));
  const setMemory = () => m.setMemory(PAGES, MAX_PAGES, "memory", segments);
  if (opts.memoryFirst) setMemory();
  const lib = addWasmLib(m, { heapStart: HEAP_BASE });
  if (!opts.memoryFirst) setMemory();
  for (const [key, params, result] of SIGS) {
    const args = params.map((t, i) => m.local.get(i, t));
    m.addFunction(`test_${key}`, binaryen.createType(params), result, [], m.call(lib[key], args, result));
    m.addFunctionExport(`test_${key}`, key);
  }
  m.addFunction("setHeap", i32, none, [], m.global.set(lib.heap, m.local.get(0, i32)));
  m.addFunction("getHeap", none, i32, [], m.global.get(lib.heap, i32));
  m.addFunctionExport("setHeap", "setHeap");
  m.addFunctionExport("getHeap", "getHeap");
  const valid = m.validate();
  if (opts.optimize) m.optimize();
  const binary = m.emitBinary();
  m.dispose();
  const mod = new WebAssembly.Module(binary);
  const instance = new WebAssembly.Instance(mod, {});
  return { valid, imports: WebAssembly.Module.imports(mod), instance };
}

/** One instance plus helpers to place inputs in its memory and read results back. */
class Harness {
  readonly x: Exports;
  private readonly memory: WebAssembly.Memory;
  private cursor = INPUT_BASE;

  constructor(instance: WebAssembly.Instance) {
    this.x = instance.exports as unknown as Exports;
    this.memory = instance.exports.memory as WebAssembly.Memory;
  }

  /** A fresh view each time: memory.grow detaches the old buffer. */
  get bytes(): Uint8Array {
    return new Uint8Array(this.memory.buffer);
  }

  /** Forgets all inputs and allocations, so memory use stays flat across property runs. */
  reset(): void {
    this.cursor = INPUT_BASE;
    this.x.setHeap(HEAP_BASE);
  }

  /** Copies a DataBuilder's image in at its own addresses, as setMemory segments would. */
  load(data: DataBuilder): void {
    if (data.end() > INPUT_BASE) throw new Error("test data too large");
    this.bytes.fill(0, DATA_BASE, INPUT_BASE); // no table of an earlier test may leak into this one
    for (const seg of data.segments()) this.bytes.set(seg.data, seg.offset);
  }

  /** Writes raw bytes at the next 8-aligned input address. */
  put(u8: Uint8Array): number {
    const addr = this.cursor;
    if (addr + u8.length > HEAP_BASE) throw new Error("test inputs too large");
    this.bytes.set(u8, addr);
    this.cursor = (addr + u8.length + 7) & ~7;
    return addr;
  }

  /** Writes a string (or raw bytes), returning it packed. */
  str(s: string | Uint8Array): bigint {
    const u8 = typeof s === "string" ? utf8.encode(s) : s;
    return BigInt(this.put(u8)) | (BigInt(u8.length) << 32n);
  }

  read(packed: bigint): string {
    const addr = Number(packed & 0xffffffffn);
    return fromUtf8.decode(this.bytes.subarray(addr, addr + Number(packed >> 32n)));
  }
}

// ---- generators and references ----

/** Strings mixing ASCII (letters around the A–Z/a–z edges included), é, ß, emoji, NUL and any code point. */
const piece = fc.oneof(
  fc.constantFrom("a", "z", "A", "Z", "@", "[", "`", "{", "é", "É", "ß", "😀", "\u212a" /* Kelvin sign */, "İ", "\u0000", " ", "/"),
  fc.string({ unit: "binary", maxLength: 3 }),
);
const text = fc.array(piece, { maxLength: 12 }).map((parts) => parts.join(""));
/** A string and a second one that is often a piece of it (by code points, so it stays valid). */
const withPart = fc
  .tuple(text, text, fc.nat(), fc.nat(), fc.boolean())
  .map(([s, other, a, b, take]) => {
    const cps = [...s];
    const from = a % (cps.length + 1);
    const to = from + (b % (cps.length - from + 1));
    return [s, take ? cps.slice(from, to).join("") : other] as const;
  });

const asciiLower = (s: string) => s.replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 32));
const asciiUpper = (s: string) => s.replace(/[a-z]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 32));
const hex = (u8: Uint8Array | null) => (u8 === null ? null : Buffer.from(u8).toString("hex"));

function runDfa(d: Dfa, bytes: Uint8Array): number {
  let state = d.start;
  for (const b of bytes) {
    if (state === 0) break;
    state = d.trans[state * d.numClasses + d.classOf[b]!]!;
  }
  return state;
}

function prefixEqual(a: Uint8Array, b: Uint8Array, bits: number): boolean {
  for (let i = 0; i < bits; i++) {
    const mask = 0x80 >> (i & 7);
    if ((a[i >> 3]! & mask) !== (b[i >> 3]! & mask)) return false;
  }
  return true;
}

/** `/^ab*$/`: 0 dead, 1 start, 2 accepting; classes 0 other, 1 'a', 2 'b'. */
const AB_STAR: Dfa = {
  classOf: new Uint8Array(256).map((_, b) => (b === 0x61 ? 1 : b === 0x62 ? 2 : 0)),
  numClasses: 3,
  numStates: 3,
  start: 1,
  trans: Uint32Array.from([0, 0, 0, /* 1 */ 0, 2, 0, /* 2 */ 0, 0, 2]),
  accept: Uint32Array.from([0, 0, 1]),
  acceptSets: [[], [0]],
};

/** Parity of 'a's among ASCII bytes, accept ids 7 (even) and 9 (odd); a non-ASCII byte kills. */
const A_PARITY: Dfa = {
  classOf: new Uint8Array(256).map((_, b) => (b >= 0x80 ? 2 : b === 0x61 ? 1 : 0)),
  numClasses: 3,
  numStates: 3,
  start: 1,
  trans: Uint32Array.from([0, 0, 0, /* even */ 1, 2, 0, /* odd */ 2, 1, 0]),
  accept: Uint32Array.from([0, 7, 9]),
  acceptSets: [[], [0], [1]],
};

/** Starts dead: accepts nothing, not even "". */
const NOTHING: Dfa = {
  classOf: new Uint8Array(256),
  numClasses: 1,
  numStates: 2,
  start: 0,
  trans: Uint32Array.from([0, 1]),
  accept: Uint32Array.from([0, 1]),
  acceptSets: [[], [0]],
};

/** [text, the 4 or 16 bytes in hex, or null when it is not an address]. */
const IP_CASES: [string, string | null][] = [
  ["0.0.0.0", "00000000"],
  ["255.255.255.255", "ffffffff"],
  ["1.2.3.4", "01020304"],
  ["10.0.0.1", "0a000001"],
  ["192.168.100.200", "c0a864c8"],
  ["01.2.3.4", null],
  ["1.2.3.04", null],
  ["00.0.0.0", null],
  ["0.0.0.00", null],
  ["256.0.0.0", null],
  ["1.2.3.256", null],
  ["1.2.3.1000", null],
  ["1.2.3", null],
  ["1.2.3.4.5", null],
  ["1..2.3", null],
  [".1.2.3", null],
  ["1.2.3.", null],
  ["", null],
  [" 1.2.3.4", null],
  ["1.2.3.4 ", null],
  ["1.2.3.4\n", null],
  ["+1.2.3.4", null],
  ["1.2.3.-4", null],
  ["0x1.2.3.4", null],
  ["１.2.3.4", null],
  ["1.2.3.4/32", null],
  ["::", "0".repeat(32)],
  ["::1", "0".repeat(31) + "1"],
  ["1::", "0001" + "0".repeat(28)],
  ["1:2:3:4:5:6:7:8", "00010002000300040005000600070008"],
  ["1:2:3:4:5:6:7::", "00010002000300040005000600070000"],
  ["::2:3:4:5:6:7:8", "00000002000300040005000600070008"],
  ["1:2:3:4::5:6:7", "00010002000300040000000500060007"],
  ["2001:DB8::FF00:42:8329", "20010db8000000000000ff0000428329"],
  ["2001:db8:0:0:1:0:0:1", "20010db8000000000001000000000001"],
  ["ABCD:EF01:2345:6789:abcd:ef01:2345:6789", "abcdef0123456789abcdef0123456789"],
  ["0000:0000:0000:0000:0000:0000:0000:0001", "0".repeat(31) + "1"],
  ["::ffff:1.2.3.4", "00000000000000000000ffff01020304"],
  ["::FFFF:129.144.52.38", "00000000000000000000ffff81903426"],
  ["::1.2.3.4", "0".repeat(24) + "01020304"],
  ["1:2:3:4:5:6:1.2.3.4", "00010002000300040005000601020304"],
  ["1:2:3:4:5::1.2.3.4", "00010002000300040005000001020304"],
  ["1:2:3:4:5:6::1.2.3.4", null], // `::` would stand for no group
  ["1:2:3:4:5:6:7:1.2.3.4", null],
  ["1:2:3:4:5:6:7:8:9", null],
  ["1:2:3:4:5:6:7", null],
  ["1:2:3:4:5:6:7:8::", null],
  ["::1:2:3:4:5:6:7:8", null],
  ["1:2:3:4::5:6:7:8", null],
  ["1::2::3", null],
  ["::1::", null],
  ["fe80::1%eth0", null],
  ["fe80::1%1", null],
  [":", null],
  [":::", null],
  ["1:::2", null],
  [":1::", null],
  ["1::2:", null],
  ["::1:", null],
  [":1:2:3:4:5:6:7:8", null],
  ["1:2:3:4:5:6:7:8:", null],
  ["12345::", null],
  ["00000::1", null],
  ["g::", null],
  ["::ffff:1.2.3", null],
  ["::ffff:1.2.3.4.5", null],
  ["::ffff:01.2.3.4", null],
  ["::ffff:256.1.1.1", null],
  ["::1.2.3.4:5", null],
  ["1.2.3.4::", null],
  ["::ffff:.1.2.3", null],
  ["[::1]", null],
  ["::1/128", null],
  [" ::1", null],
  ["::1 ", null],
];

describe.each([
  ["unoptimized", false],
  ["optimized", true],
])("wasm-lib (%s)", (_label, optimize) => {
  let h: Harness;
  beforeAll(() => {
    const built = build({ optimize });
    expect(built.valid).toBeTruthy();
    h = new Harness(built.instance);
  });

  const fresh = () => {
    h.reset();
    return h;
  };

  describe("module shape", () => {
    it("imports nothing and exports nothing of its own", () => {
      expect(build({ optimize }).imports.length).toBe(0);
      const m = new binaryen.Module();
      addWasmLib(m);
      expect(m.getNumExports()).toBe(0);
      m.dispose();
    });

    it("validates whether the memory is set before or after the library is added", () => {
      const built = build({ optimize, memoryFirst: true });
      expect(built.valid).toBeTruthy();
      expect(built.imports.length).toBe(0);
    });
  });

  describe("alloc", () => {
    it("returns 8-aligned, disjoint blocks and advances the heap", () => {
      const { x } = fresh();
      x.setHeap(HEAP_BASE + 3);
      const a = x.alloc(5);
      const b = x.alloc(1);
      const c = x.alloc(0);
      expect(a).toBe(HEAP_BASE + 8);
      expect(b).toBe(a + 8);
      expect(c % 8).toBe(0);
      expect(c).toBeGreaterThanOrEqual(b + 1);
      expect(x.getHeap()).toBe(c);
    });

    it("grows memory when a block does not fit", () => {
      const lib = fresh();
      const before = lib.bytes.length;
      const p = lib.x.alloc(before); // certainly past the end
      expect(lib.bytes.length).toBeGreaterThanOrEqual(p + before);
      lib.bytes[p + before - 1] = 42; // writable
      expect(lib.bytes[p + before - 1]).toBe(42);
    });

    it("traps rather than wrapping around the address space", () => {
      const { x } = fresh();
      expect(() => x.alloc(-16)).toThrow(WebAssembly.RuntimeError);
    });
  });

  describe("string tests", () => {
    it("str_eq, str_starts, str_ends, str_contains agree with JS", () => {
      fc.assert(
        fc.property(withPart, ([s, t]) => {
          const lib = fresh();
          const ps = lib.str(s);
          const pt = lib.str(t);
          expect(lib.x.strEq(ps, pt)).toBe(s === t ? 1 : 0);
          expect(lib.x.strStarts(ps, pt)).toBe(s.startsWith(t) ? 1 : 0);
          expect(lib.x.strEnds(ps, pt)).toBe(s.endsWith(t) ? 1 : 0);
          expect(lib.x.strContains(ps, pt)).toBe(s.includes(t) ? 1 : 0);
          expect(lib.x.strEq(ps, lib.str(s))).toBe(1); // equal bytes at another address
        }),
      );
    });

    it("handles the empty string and packed 0", () => {
      const lib = fresh();
      const abc = lib.str("abc");
      for (const empty of [0n, lib.str("")]) {
        expect(lib.x.strEq(empty, 0n)).toBe(1);
        expect(lib.x.strEq(empty, abc)).toBe(0);
        expect(lib.x.strStarts(abc, empty)).toBe(1);
        expect(lib.x.strEnds(abc, empty)).toBe(1);
        expect(lib.x.strContains(abc, empty)).toBe(1);
        expect(lib.x.strContains(empty, empty)).toBe(1);
        expect(lib.x.strContains(empty, abc)).toBe(0);
        expect(lib.x.strLen(empty)).toBe(0);
        expect(lib.x.strLower(empty)).toBe(empty);
      }
    });

    it("compares long strings across the 8-byte fast path and its tail", () => {
      const lib = fresh();
      for (let n = 0; n < 40; n++) {
        const s = "x".repeat(n);
        for (let i = 0; i < n; i++) {
          const t = s.slice(0, i) + "y" + s.slice(i + 1);
          expect(lib.x.strEq(lib.str(s), lib.str(t))).toBe(0);
        }
        expect(lib.x.strEq(lib.str(s), lib.str(s))).toBe(1);
      }
    });

    it("str_len counts code points", () => {
      fc.assert(
        fc.property(text, (s) => {
          const lib = fresh();
          expect(lib.x.strLen(lib.str(s))).toBe([...s].length);
        }),
      );
      const lib = fresh();
      expect(lib.x.strLen(lib.str("é😀a"))).toBe(3);
    });

    it("str_lower and str_upper map ASCII letters only", () => {
      fc.assert(
        fc.property(text, (s) => {
          const lib = fresh();
          const p = lib.str(s);
          expect(lib.read(lib.x.strLower(p))).toBe(asciiLower(s));
          expect(lib.read(lib.x.strUpper(p))).toBe(asciiUpper(s));
          expect(lib.read(p)).toBe(s); // the input is never written to
        }),
      );
      const lib = fresh();
      expect(lib.read(lib.x.strLower(lib.str("ÉCOLE Straße İ \u212a")))).toBe("École straße İ \u212a");
      expect(lib.read(lib.x.strUpper(lib.str("école straße ı")))).toBe("éCOLE STRAßE ı");
    });

    it("returns the input itself when there is nothing to map, without allocating", () => {
      const lib = fresh();
      const p = lib.str("already lower, é😀");
      const heap = lib.x.getHeap();
      expect(lib.x.strLower(p)).toBe(p);
      expect(lib.x.getHeap()).toBe(heap);
      const q = lib.x.strUpper(p);
      expect(Number(q & 0xffffffffn)).toBeGreaterThanOrEqual(HEAP_BASE);
    });
  });

  describe("hashes", () => {
    it("hash_str is FNV-1a 32, as DataBuilder hashes", () => {
      fc.assert(
        fc.property(text, (s) => {
          const lib = fresh();
          expect(lib.x.hashStr(lib.str(s)) >>> 0).toBe(fnv1a32(utf8.encode(s)));
        }),
      );
    });

    it("hash_f64 equals hashF64, with -0 like 0", () => {
      fc.assert(
        fc.property(fc.double({ noNaN: true }), (v) => {
          expect(h.x.hashF64(v) >>> 0).toBe(hashF64(v));
        }),
      );
      expect(h.x.hashF64(-0)).toBe(h.x.hashF64(0));
    });
  });

  describe("hash sets", () => {
    it("strset_has finds exactly the members", () => {
      fc.assert(
        fc.property(fc.array(text, { maxLength: 30 }), fc.array(text, { maxLength: 10 }), (members, others) => {
          const lib = fresh();
          const data = new DataBuilder();
          const set = data.strSet(members);
          lib.load(data);
          for (const s of [...members, ...others]) {
            expect(lib.x.strsetHas(set, lib.str(s))).toBe(members.includes(s) ? 1 : 0);
          }
        }),
      );
    });

    it("strset_has tells apart strings whose full 32-bit hashes collide", () => {
      const seen = new Map<number, string>();
      let pair: [string, string] | undefined;
      for (let i = 0; pair === undefined; i++) {
        const s = `k${i}`;
        const hash = fnv1a32(utf8.encode(s));
        const other = seen.get(hash);
        if (other !== undefined) pair = [other, s];
        seen.set(hash, s);
      }
      const [a, b] = pair;
      const lib = fresh();
      const data = new DataBuilder();
      const onlyA = data.strSet([a, "x", "y"]);
      const both = data.strSet([a, b]);
      lib.load(data);
      expect(lib.x.strsetHas(onlyA, lib.str(a))).toBe(1);
      expect(lib.x.strsetHas(onlyA, lib.str(b))).toBe(0);
      expect(lib.x.strsetHas(both, lib.str(a))).toBe(1);
      expect(lib.x.strsetHas(both, lib.str(b))).toBe(1);
    });

    it("strset_has on the empty set and with the empty string", () => {
      const lib = fresh();
      const data = new DataBuilder();
      const empty = data.strSet([]);
      const withEmpty = data.strSet(["", "a"]);
      lib.load(data);
      expect(lib.x.strsetHas(empty, 0n)).toBe(0);
      expect(lib.x.strsetHas(empty, lib.str("a"))).toBe(0);
      expect(lib.x.strsetHas(withEmpty, 0n)).toBe(1);
      expect(lib.x.strsetHas(withEmpty, lib.str(""))).toBe(1);
      expect(lib.x.strsetHas(withEmpty, lib.str("b"))).toBe(0);
    });

    it("numset_has finds exactly the members, by IEEE equality", () => {
      const num = fc.oneof(fc.double(), fc.integer({ min: -3, max: 3 }), fc.constantFrom(0, -0, NaN, Infinity, -Infinity));
      fc.assert(
        fc.property(fc.array(num, { maxLength: 30 }), fc.array(num, { maxLength: 10 }), (members, others) => {
          const lib = fresh();
          const data = new DataBuilder();
          const set = data.numSet(members);
          lib.load(data);
          for (const v of [...members, ...others]) {
            expect(lib.x.numsetHas(set, v)).toBe(members.some((w) => w === v) ? 1 : 0);
          }
        }),
      );
    });

    it("numset_has: -0 equals 0, NaN is never a member", () => {
      const lib = fresh();
      const data = new DataBuilder();
      const zero = data.numSet([0]);
      const negZero = data.numSet([-0]);
      const nan = data.numSet([NaN, 1]);
      const empty = data.numSet([]);
      lib.load(data);
      expect(lib.x.numsetHas(zero, -0)).toBe(1);
      expect(lib.x.numsetHas(negZero, 0)).toBe(1);
      expect(lib.x.numsetHas(nan, NaN)).toBe(0);
      expect(lib.x.numsetHas(nan, 1)).toBe(1);
      expect(lib.x.numsetHas(empty, 0)).toBe(0);
    });
  });

  describe("DFAs", () => {
    const cases: [string, Dfa][] = [
      ["ab*", AB_STAR],
      ["a-parity", A_PARITY],
      ["nothing", NOTHING],
    ];
    it.each(cases)("%s: dfa_run / dfa_accepts / dfa_accept_id agree with a JS run", (_name, dfa) => {
      const words = fc.oneof(fc.string({ unit: fc.constantFrom("a", "b", "c", "é") }), text);
      fc.assert(
        fc.property(words, (s) => {
          const lib = fresh();
          const data = new DataBuilder();
          const table = data.dfa(dfa);
          lib.load(data);
          const final = runDfa(dfa, utf8.encode(s));
          const p = lib.str(s);
          expect(lib.x.dfaRun(table, p)).toBe(final);
          expect(lib.x.dfaAcceptId(table, p)).toBe(dfa.accept[final]);
          expect(lib.x.dfaAccepts(table, p)).toBe(dfa.accept[final] !== 0 ? 1 : 0);
        }),
      );
    });

    it("means what the hand-made tables say", () => {
      const lib = fresh();
      const data = new DataBuilder();
      const ab = data.dfa(AB_STAR);
      const parity = data.dfa(A_PARITY);
      const nothing = data.dfa(NOTHING);
      lib.load(data);
      for (const s of ["a", "ab", "abbb"]) expect(lib.x.dfaAccepts(ab, lib.str(s))).toBe(1);
      for (const s of ["", "b", "aa", "abc", "ba", "aé"]) expect(lib.x.dfaAccepts(ab, lib.str(s))).toBe(0);
      expect(lib.x.dfaAcceptId(parity, 0n)).toBe(7);
      expect(lib.x.dfaAcceptId(parity, lib.str("banana"))).toBe(9);
      expect(lib.x.dfaAcceptId(parity, lib.str("aXa"))).toBe(7);
      expect(lib.x.dfaAcceptId(parity, lib.str("aé"))).toBe(0);
      expect(lib.x.dfaAccepts(nothing, 0n)).toBe(0);
      expect(lib.x.dfaRun(nothing, lib.str("abc"))).toBe(0);
    });

    it("stops at the dead state without reading further", () => {
      const lib = fresh();
      const data = new DataBuilder();
      const ab = data.dfa(AB_STAR);
      lib.load(data);
      // The last byte of memory leads to the dead state; a claimed length of 2 GiB would trap
      // on the next load, so only an early stop can return.
      const last = lib.bytes.length - 1;
      lib.bytes[last] = 0x63; // 'c'
      const huge = BigInt(last) | (0x7fffffffn << 32n);
      expect(lib.x.dfaRun(ab, huge)).toBe(0);
      expect(lib.x.dfaAccepts(ab, huge)).toBe(0);
    });
  });

  describe("IP addresses", () => {
    it.each(IP_CASES)("%j parses to %s", (s, want) => {
      const lib = fresh();
      const out = lib.put(new Uint8Array(16).fill(0xaa));
      const family = lib.x.ipParse(lib.str(s), out);
      const got = family === 0 ? null : lib.bytes.slice(out, out + (family === 4 ? 4 : 16));
      expect(hex(got)).toBe(want);
      expect(hex(parseIp(s))).toBe(want); // the compile-time parser agrees
    });

    it("ip_parse agrees with parseIp on generated addresses and near-misses", () => {
      const token = fc.constantFrom("0", "1", "a", "F", "ffff", "0db8", "12345", ":", "::", ".", "1.2.3.4", "255", "256", "01", "%", "g", " ");
      const junk = fc.array(token, { maxLength: 14 }).map((t) => t.join(""));
      const mutated = fc.tuple(fc.oneof(fc.ipV4(), fc.ipV6()), fc.nat(), token).map(([ip, at, t]) => {
        const i = at % (ip.length + 1);
        return ip.slice(0, i) + t + ip.slice(i + 1);
      });
      fc.assert(
        fc.property(fc.oneof(fc.ipV4(), fc.ipV6(), junk, mutated), (s) => {
          const lib = fresh();
          const out = lib.put(new Uint8Array(16));
          const family = lib.x.ipParse(lib.str(s), out);
          const want = parseIp(s);
          expect(family).toBe(want === null ? 0 : want.length === 4 ? 4 : 6);
          if (want !== null) expect(hex(lib.bytes.slice(out, out + want.length))).toBe(hex(want));
        }),
        { numRuns: 2000 },
      );
    });

    const inCidr = (lib: Harness, s: string, cidr: string) => {
      const data = new DataBuilder();
      const c = data.cidr(cidr);
      if (c === null) throw new Error(`bad test CIDR ${cidr}`);
      lib.load(data);
      return lib.x.ipInCidr(lib.str(s), c.family, c.addr, c.prefix);
    };

    it.each([
      ["10.255.1.1", "10.0.0.0/8", 1],
      ["11.0.0.0", "10.0.0.0/8", 0],
      ["10.0.0.1", "10.0.0.0/7", 1],
      ["11.0.0.1", "10.0.0.0/7", 1],
      ["12.0.0.1", "10.0.0.0/7", 0],
      ["192.168.1.254", "192.168.1.255/31", 1],
      ["192.168.1.253", "192.168.1.255/31", 0],
      ["1.2.3.4", "1.2.3.4/32", 1],
      ["1.2.3.5", "1.2.3.4/32", 0],
      ["255.255.255.255", "0.0.0.0/0", 1],
      ["010.0.0.1", "0.0.0.0/0", 0],
      ["10.0.0.1", "::/0", 0], // IPv4 never matches an IPv6 CIDR
      ["::ffff:10.0.0.1", "10.0.0.0/8", 0], // nor the reverse
      ["::ffff:10.0.0.1", "::ffff:0:0/96", 1],
      ["2001:db8::1", "2001:db8::/32", 1],
      ["2001:DB9::1", "2001:db8::/32", 0],
      ["2001:db8:0:0:ffff::", "2001:db8::/64", 1],
      ["2001:db8:0:1::", "2001:db8::/64", 0],
      ["::1", "::/127", 1],
      ["::3", "::2/127", 1],
      ["::4", "::2/127", 0],
      ["::1", "::1/128", 1],
      ["::2", "::1/128", 0],
      ["fe80::1%eth0", "::/0", 0],
      ["not an ip", "::/0", 0],
      ["", "0.0.0.0/0", 0],
    ])("%j in %s → %i", (s, cidr, want) => {
      expect(inCidr(fresh(), s, cidr)).toBe(want);
    });

    it("ip_in_cidr compares the first prefix bits, at every interesting prefix", () => {
      const v4 = fc.uint8Array({ minLength: 4, maxLength: 4 });
      const v6 = fc.uint8Array({ minLength: 16, maxLength: 16 });
      const fmt4 = (b: Uint8Array) => [...b].join(".");
      const fmt6 = (b: Uint8Array, upper: boolean) => {
        const groups = Array.from({ length: 8 }, (_, i) => ((b[2 * i]! << 8) | b[2 * i + 1]!).toString(16));
        const s = groups.join(":");
        return upper ? s.toUpperCase() : s;
      };
      /** A network near `addr`: the same bytes with one bit flipped, so the answer flips at that bit. */
      const nearby = (addr: Uint8Array, bit: number) => {
        const net = addr.slice();
        net[(bit >> 3) % net.length]! ^= 0x80 >> (bit & 7);
        return net;
      };
      const check = (addr: Uint8Array, net: Uint8Array, prefix: number, text: string, netText: string) => {
        const lib = fresh();
        expect(inCidr(lib, text, `${netText}/${prefix}`)).toBe(prefixEqual(addr, net, prefix) ? 1 : 0);
      };
      fc.assert(
        fc.property(v4, fc.constantFrom(0, 7, 8, 31, 32), fc.nat(31), fc.boolean(), (addr, prefix, bit, near) => {
          const net = near ? nearby(addr, bit) : addr;
          check(addr, net, prefix, fmt4(addr), fmt4(net));
        }),
      );
      fc.assert(
        fc.property(v6, fc.constantFrom(0, 7, 8, 31, 32, 64, 127, 128), fc.nat(127), fc.boolean(), fc.boolean(), (addr, prefix, bit, near, upper) => {
          const net = near ? nearby(addr, bit) : addr;
          check(addr, net, prefix, fmt6(addr, upper), fmt6(net, false));
        }),
      );
    });
  });

  describe("label_get", () => {
    it("returns the value of the first pair with the key, or the empty string", () => {
      const key = fc.constantFrom("team", "env", "", "é", "Team", "😀");
      fc.assert(
        fc.property(fc.array(fc.tuple(fc.oneof(key, text), text), { maxLength: 8 }), fc.oneof(key, text), (pairs, k) => {
          const lib = fresh();
          const table = new DataView(new ArrayBuffer(16 * pairs.length));
          pairs.forEach(([pk, pv], i) => {
            table.setBigUint64(16 * i, lib.str(pk), true);
            table.setBigUint64(16 * i + 8, lib.str(pv), true);
          });
          const labels = lib.put(new Uint8Array(table.buffer));
          const got = lib.x.labelGet(labels, pairs.length, lib.str(k));
          expect(lib.read(got)).toBe(pairs.find(([pk]) => pk === k)?.[1] ?? "");
          if (!pairs.some(([pk]) => pk === k)) expect(got).toBe(0n);
        }),
      );
    });
  });
});

describe("static data from setMemory segments", () => {
  it("is read by the library as laid out by DataBuilder", () => {
    const data = new DataBuilder();
    const hello = data.str("hello");
    const set = data.strSet(["fs.read", "fs.write", "é"]);
    const nums = data.numSet([1, 2.5, -0]);
    const ab = data.dfa(AB_STAR);
    const net = data.cidr("10.0.0.0/8")!;
    const built = build({ optimize: true, data });
    expect(built.valid).toBeTruthy();
    const lib = new Harness(built.instance);
    lib.reset();
    expect(lib.x.strEq(hello, lib.str("hello"))).toBe(1);
    expect(lib.x.strsetHas(set, lib.str("fs.write"))).toBe(1);
    expect(lib.x.strsetHas(set, lib.str("é"))).toBe(1);
    expect(lib.x.strsetHas(set, lib.str("fs.list"))).toBe(0);
    expect(lib.x.numsetHas(nums, 0)).toBe(1);
    expect(lib.x.numsetHas(nums, 2)).toBe(0);
    expect(lib.x.dfaAccepts(ab, lib.str("abb"))).toBe(1);
    expect(lib.x.ipInCidr(lib.str("10.9.8.7"), net.family, net.addr, net.prefix)).toBe(1);
  });
});
