import { describe, expect, it } from "vitest";
import { canonicalPathDfa, regions, type Region } from "./product.js";
import { compileGlob, compileRegex, dfaAccepts } from "./compile.js";
import type { Dfa } from "./dfa.js";
import type { PatternError, TooLarge } from "./errors.js";
import { findLoneSurrogate } from "./text.js";

/** Unwraps a successful result; a PatternError or TooLarge fails the test. */
function ok<T>(x: T): Exclude<T, PatternError | TooLarge> {
  if (typeof x === "object" && x !== null && "code" in x) throw new Error(`unexpected ${JSON.stringify(x)}`);
  return x as Exclude<T, PatternError | TooLarge>;
}
const glob = (src: string) => ok(compileGlob(src, "path"));
const regex = (src: string) => ok(compileRegex(src));

function regionsOf(dfas: Dfa[]): Region[] {
  const res = ok(regions(dfas));
  // Every witness must really produce the combination it claims.
  for (const r of res) {
    expect(findLoneSurrogate(r.witness)).toBe(-1);
    expect(dfas.map((d) => dfaAccepts(d, r.witness)), JSON.stringify(r.witness)).toEqual(r.accepts);
  }
  return res;
}
const key = (r: Region) => r.accepts.map((a) => (a ? 1 : 0)).join("");

describe("regions", () => {
  it("finds every reachable combination with a shortest witness", () => {
    const res = regionsOf([glob("/mem/**"), glob("/mem/secret/**")]);
    expect(Object.fromEntries(res.map((r) => [key(r), r.witness]))).toEqual({
      "00": "",
      "10": "/mem/",
      "11": "/mem/secret/",
    });
  });

  it("intersected with canonical paths, witnesses are canonical paths", () => {
    const res = regionsOf([canonicalPathDfa(), glob("/mem/**"), glob("/mem/*/x")]);
    const byKey = Object.fromEntries(res.map((r) => [key(r), r.witness]));
    expect(byKey["110"]).toBe("/mem/a");
    expect(byKey["111"]).toBe("/mem/a/x");
    expect(byKey["100"]).toBe("/");
    expect(byKey["101"]).toBeUndefined(); // "/mem/*/x" ⊆ "/mem/**"
    expect(byKey["011"]).toBe("/mem//x"); // matches both globs but is not canonical
  });

  it("prefers readable ASCII and falls back to valid UTF-8 when a region needs it", () => {
    const res = regionsOf([regex("^\\W$"), regex("^[\u0000-\u007f]$")]);
    const byKey = Object.fromEntries(res.map((r) => [key(r), r.witness]));
    expect(byKey["11"]).toBe("!");
    expect(byKey["01"]).toBe("a");
    expect([...byKey["10"]!].length).toBe(1);
    expect(byKey["10"]!.codePointAt(0)).toBeGreaterThan(0x7f);
    expect(byKey["00"]).toBe("");
  });

  it("reports no region reachable only through malformed UTF-8", () => {
    // Byte-level, `*` would accept a lone continuation byte that `(.|\n)*` rejects; no JS
    // string encodes to that, so the region (glob yes, regex no) must not be reported.
    const res = regionsOf([ok(compileGlob("*", "string")), regex("^(.|\\n)*$")]);
    expect(res.map(key).sort()).toEqual(["01", "11"]);
  });

  it("with no DFAs there is one region, witnessed by the empty string", () => {
    expect(regions([])).toEqual([{ accepts: [], witness: "" }]);
  });

  it("returns TOO_LARGE past maxStates", () => {
    expect(regions([regex("a{50}"), regex("b{50}")], { maxStates: 10 })).toEqual({ code: "TOO_LARGE" });
  });
});

describe("canonicalPathDfa", () => {
  const canon = canonicalPathDfa();
  it.each(["/", "/a", "/a/b", "/.a", "/..a", "/a.", "/...", "/é/😀", "/a b"])("accepts %j", (p) => {
    expect(dfaAccepts(canon, p)).toBe(true);
  });
  it.each(["", "a", "//", "/a/", "/.", "/..", "/a/.", "/a/./b", "/a/../b", "/a\u0000b", "/a//b"])("rejects %j", (p) => {
    expect(dfaAccepts(canon, p)).toBe(false);
  });
});
