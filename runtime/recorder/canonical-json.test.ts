import { describe, expect, it } from "vitest";
import { CanonicalJsonError, CanonicalText, canonicalJson } from "./canonical-json.js";

describe("canonicalJson", () => {
  it("sorts keys at every depth and writes no whitespace", () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 0, y: 1 }], c: "x" } })).toBe('{"a":{"c":"x","d":[3,{"y":1,"z":0}]},"b":1}');
  });

  it("orders keys by UTF-16 code units, as RFC 8785 does", () => {
    expect(canonicalJson({ "é": 1, z: 2, Z: 3, "10": 4, "9": 5 })).toBe('{"10":4,"9":5,"Z":3,"z":2,"é":1}');
  });

  it("writes numbers and strings as JSON.stringify does", () => {
    expect(canonicalJson([1e21, 0.1, -0, 5e-7, "a\"\n\u2028", "\ud800"])).toBe(JSON.stringify([1e21, 0.1, -0, 5e-7, "a\"\n\u2028", "\ud800"]));
  });

  it("drops undefined members, nulls undefined array slots and non-finite numbers, honours toJSON", () => {
    expect(canonicalJson({ a: undefined, b: [undefined, NaN, Infinity], d: new Date(0) })).toBe('{"b":[null,null,null],"d":"1970-01-01T00:00:00.000Z"}');
  });

  it("is stable under a parse round trip", () => {
    const text = canonicalJson({ x: [1.5, { "ü": true, a: null }], s: "tab\t" });
    expect(canonicalJson(JSON.parse(text))).toBe(text);
  });

  it("embeds already-canonical text verbatim", () => {
    expect(canonicalJson({ b: new CanonicalText('{"k":1}'), a: 0 })).toBe('{"a":0,"b":{"k":1}}');
  });

  it("refuses what JSON cannot hold, with a code", () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    for (const v of [cyclic, 10n, undefined]) {
      expect(() => canonicalJson(v)).toThrow(CanonicalJsonError);
    }
    try { canonicalJson(10n); } catch (e) { expect((e as CanonicalJsonError).code).toBe("ENOTJSON"); }
    // The same object twice is not a cycle.
    const shared = { a: 1 };
    expect(canonicalJson([shared, shared])).toBe('[{"a":1},{"a":1}]');
  });
});
