import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Dfa } from "../../stdlib/automata/dfa.js";
import { DATA_BASE, DFA_TRANS, DataBuilder, SET_ENTRY, SET_HEADER, fnv1a32, hashF64, packStr, parseCidr, parseIp } from "./data.js";

const utf8 = new TextEncoder();

/** The builder's memory image from 0 to end(), as the module would see it after instantiation. */
function image(d: DataBuilder): DataView {
  const mem = new Uint8Array(d.end());
  for (const seg of d.segments()) mem.set(seg.data, seg.offset);
  return new DataView(mem.buffer);
}

function readStr(mem: DataView, packed: bigint): string {
  const addr = Number(packed & 0xffffffffn);
  const len = Number(packed >> 32n);
  return new TextDecoder().decode(new Uint8Array(mem.buffer, addr, len));
}

/** A JS probe of the string-set table, following the layout documented in data.ts. */
function strSetHas(mem: DataView, set: number, s: string): boolean {
  const cap = mem.getUint32(set, true);
  const hash = fnv1a32(utf8.encode(s));
  for (let i = hash & (cap - 1); ; i = (i + 1) & (cap - 1)) {
    const e = set + SET_HEADER + SET_ENTRY * i;
    if (mem.getUint32(e, true) === 0) return false;
    if (mem.getUint32(e + 4, true) === hash && readStr(mem, mem.getBigUint64(e + 8, true)) === s) return true;
  }
}

describe("hashes", () => {
  it("fnv1a32 matches the published FNV-1a test vectors", () => {
    expect(fnv1a32(utf8.encode(""))).toBe(0x811c9dc5);
    expect(fnv1a32(utf8.encode("a"))).toBe(0xe40c292c);
    expect(fnv1a32(utf8.encode("foobar"))).toBe(0xbf9cf968);
  });

  it("hashF64 hashes -0 like 0 and is an unsigned 32-bit value", () => {
    expect(hashF64(-0)).toBe(hashF64(0));
    fc.assert(fc.property(fc.double(), (x) => Number.isInteger(hashF64(x)) && hashF64(x) >= 0 && hashF64(x) < 2 ** 32));
  });
});

describe("DataBuilder layout", () => {
  it("starts at 1024 and reports an 8-aligned end", () => {
    const d = new DataBuilder();
    expect(d.end()).toBe(DATA_BASE);
    expect(d.segments()).toEqual([]);
    const a = d.bytes(new Uint8Array([1, 2, 3]), 1);
    expect(a).toBe(1024);
    expect(d.end()).toBe(1032);
    const b = d.bytes(new Uint8Array([9]), 16);
    expect(b % 16).toBe(0);
    expect(b).toBeGreaterThanOrEqual(1027);
    expect(d.end() % 8).toBe(0);
    const mem = image(d);
    expect([mem.getUint8(1024), mem.getUint8(1025), mem.getUint8(1026), mem.getUint8(b)]).toEqual([1, 2, 3, 9]);
  });

  it("rejects an alignment that is not a power of two", () => {
    expect(() => new DataBuilder().bytes(new Uint8Array(1), 3)).toThrow(/power of two/);
    expect(() => new DataBuilder().bytes(new Uint8Array(1), 0)).toThrow(/power of two/);
  });

  it("packs strings as address | length << 32, dedupes them, and maps \"\" to 0", () => {
    const d = new DataBuilder();
    expect(d.str("")).toBe(0n);
    const hello = d.str("héllo");
    expect(hello).toBe(packStr(1024, 6));
    expect(d.str("héllo")).toBe(hello);
    const other = d.str("😀");
    expect(Number(other & 0xffffffffn)).toBe(1030);
    expect(Number(other >> 32n)).toBe(4);
    const mem = image(d);
    expect(readStr(mem, hello)).toBe("héllo");
    expect(readStr(mem, other)).toBe("😀");
  });

  it("grows past its initial buffer without losing data", () => {
    const d = new DataBuilder();
    const packed = Array.from({ length: 3000 }, (_, i) => d.str(`string number ${i}`));
    const mem = image(d);
    packed.forEach((p, i) => expect(readStr(mem, p)).toBe(`string number ${i}`));
  });

  it("lays out string sets that a probe following the documented layout can search", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string({ unit: "binary" }), { maxLength: 40 }), fc.array(fc.string({ unit: "binary" })), (members, others) => {
        const d = new DataBuilder();
        d.str("padding so the set is not first");
        const set = d.strSet([...members, ...members]); // duplicates are dropped
        const mem = image(d);
        const cap = mem.getUint32(set, true);
        expect(set % 8).toBe(0);
        expect(cap & (cap - 1)).toBe(0);
        expect(cap).toBeGreaterThanOrEqual(Math.max(1, 2 * members.length));
        expect(mem.getUint32(set + 4, true)).toBe(members.length);
        for (const s of members) expect(strSetHas(mem, set, s)).toBe(true);
        for (const s of others) expect(strSetHas(mem, set, s)).toBe(members.includes(s));
      }),
    );
  });

  it("stores number sets with -0 as 0 and without NaN", () => {
    const d = new DataBuilder();
    const set = d.numSet([-0, 0, NaN, 1.5, 1.5, -Infinity]);
    const mem = image(d);
    const cap = mem.getUint32(set, true);
    expect(mem.getUint32(set + 4, true)).toBe(3);
    const stored: number[] = [];
    for (let i = 0; i < cap; i++) {
      const e = set + SET_HEADER + SET_ENTRY * i;
      if (mem.getUint32(e, true) === 1) stored.push(mem.getFloat64(e + 8, true));
    }
    expect(stored.sort()).toEqual([-Infinity, 0, 1.5].sort());
    expect(stored.some((x) => Object.is(x, -0))).toBe(false);
  });

  it("lays out a DFA as header, class map, transitions, accept labels", () => {
    const dfa: Dfa = {
      classOf: new Uint8Array(256).fill(0).map((_, b) => (b === 0x61 ? 1 : 0)),
      numClasses: 2,
      numStates: 3,
      start: 1,
      trans: Uint32Array.from([0, 0, 0, 2, 0, 2]),
      accept: Uint32Array.from([0, 0, 5]),
      acceptSets: [[], [0]],
    };
    const d = new DataBuilder();
    d.bytes(new Uint8Array(3), 1);
    const t = d.dfa(dfa);
    const mem = image(d);
    expect(t % 8).toBe(0);
    expect([mem.getUint32(t, true), mem.getUint32(t + 4, true), mem.getUint32(t + 8, true)]).toEqual([2, 8, 3]);
    expect(mem.getUint8(t + 12 + 0x61)).toBe(1);
    expect(mem.getUint8(t + 12 + 0x62)).toBe(0);
    expect(Array.from({ length: 6 }, (_, i) => mem.getUint32(t + DFA_TRANS + 4 * i, true))).toEqual([0, 0, 0, 16, 0, 16]); // row offsets: state × 2 classes × 4
    expect(Array.from({ length: 3 }, (_, i) => mem.getUint32(t + DFA_TRANS + 24 + 4 * i, true))).toEqual([0, 0, 5]);
  });

  it("refuses malformed DFAs", () => {
    const ok: Dfa = {
      classOf: new Uint8Array(256),
      numClasses: 1,
      numStates: 2,
      start: 1,
      trans: Uint32Array.from([0, 1]),
      accept: Uint32Array.from([0, 1]),
      acceptSets: [[]],
    };
    expect(() => new DataBuilder().dfa(ok)).not.toThrow();
    expect(() => new DataBuilder().dfa({ ...ok, start: 2 })).toThrow(/start/);
    expect(() => new DataBuilder().dfa({ ...ok, trans: Uint32Array.from([0, 2]) })).toThrow(/transition/);
    expect(() => new DataBuilder().dfa({ ...ok, trans: Uint32Array.from([0]) })).toThrow(/trans size/);
    expect(() => new DataBuilder().dfa({ ...ok, classOf: new Uint8Array(255) })).toThrow(/classOf/);
    expect(() => new DataBuilder().dfa({ ...ok, classOf: new Uint8Array(256).fill(1) })).toThrow(/class/);
    expect(() => new DataBuilder().dfa({ ...ok, accept: Uint32Array.from([0]) })).toThrow(/accept/);
  });
});

describe("CIDR literals", () => {
  const valid: [string, 4 | 6, number, string][] = [
    ["10.0.0.0/8", 4, 8, "0a000000"],
    ["10.1.2.3/8", 4, 8, "0a000000"], // host bits are cleared
    ["192.168.1.255/31", 4, 31, "c0a801fe"],
    ["0.0.0.0/0", 4, 0, "00000000"],
    ["1.2.3.4/32", 4, 32, "01020304"],
    ["8.8.8.8/7", 4, 7, "08000000"],
    ["::/0", 6, 0, "0".repeat(32)],
    ["2001:DB8::1/32", 6, 32, "20010db8" + "0".repeat(24)],
    ["fe80::1/127", 6, 127, "fe80" + "0".repeat(28)],
    ["::1/128", 6, 128, "0".repeat(31) + "1"],
    ["::ffff:10.0.0.1/104", 6, 104, "0".repeat(20) + "ffff0a" + "000000"],
  ];
  it.each(valid)("%s → family %i, /%i, network %s", (text, family, prefix, hex) => {
    const d = new DataBuilder();
    const c = d.cidr(text);
    expect(c).not.toBeNull();
    expect(c!.family).toBe(family);
    expect(c!.prefix).toBe(prefix);
    expect(c!.addr % 8).toBe(0);
    const mem = image(d);
    const bytes = new Uint8Array(mem.buffer, c!.addr, family === 4 ? 4 : 16);
    expect(Buffer.from(bytes).toString("hex")).toBe(hex);
  });

  const invalid = [
    "10.0.0.0", // no prefix
    "10.0.0.0/",
    "10.0.0.0/33",
    "10.0.0.0/08",
    "10.0.0.0/-1",
    "10.0.0.0/8/8",
    "10.0.0/8",
    "010.0.0.0/8",
    "::/129",
    "fe80::1%eth0/64",
    "1::2::3/64",
    "/8",
    "",
    " 10.0.0.0/8",
  ];
  it.each(invalid)("%j is not a CIDR (null, nothing stored)", (text) => {
    const d = new DataBuilder();
    expect(d.cidr(text)).toBeNull();
    expect(d.end()).toBe(DATA_BASE);
  });

  it("parseCidr and parseIp agree on the address part", () => {
    fc.assert(
      fc.property(fc.ipV4(), fc.integer({ min: 0, max: 32 }), (ip, prefix) => {
        const c = parseCidr(`${ip}/${prefix}`);
        const addr = parseIp(ip)!;
        expect(c).not.toBeNull();
        const ones = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
        const want = (new DataView(addr.buffer).getUint32(0) & ones) >>> 0;
        expect(new DataView(c!.network.buffer).getUint32(0)).toBe(want);
      }),
    );
  });
});
