import { describe, expect, it } from "vitest";
import { acceptedPatterns, compileCombined, compileGlob, compileRegex, dfaAccepts, runDfa } from "./compile.js";
import { isPatternError } from "./errors.js";
import type { Dfa } from "./dfa.js";
import type { PatternError, TooLarge } from "./errors.js";

/** Unwraps a successful result; a PatternError or TooLarge fails the test. */
function ok<T>(x: T): Exclude<T, PatternError | TooLarge> {
  if (typeof x === "object" && x !== null && "code" in x) throw new Error(`unexpected ${JSON.stringify(x)}`);
  return x as Exclude<T, PatternError | TooLarge>;
}

/** Structural invariants every produced Dfa must satisfy (codegen relies on them). */
function checkShape(dfa: Dfa): void {
  expect(dfa.classOf.length).toBe(256);
  expect(dfa.classOf.every((c) => c < dfa.numClasses)).toBe(true);
  expect(new Set(dfa.classOf).size).toBe(dfa.numClasses);
  expect(dfa.trans.length).toBe(dfa.numStates * dfa.numClasses);
  expect(dfa.accept.length).toBe(dfa.numStates);
  expect(dfa.trans.every((t) => t < dfa.numStates)).toBe(true);
  expect([...dfa.trans.subarray(0, dfa.numClasses)].every((t) => t === 0)).toBe(true);
  expect(dfa.accept[0]).toBe(0);
  expect(dfa.acceptSets[0]).toEqual([]);
  expect(dfa.accept.every((a) => a < dfa.acceptSets.length)).toBe(true);
  expect(dfa.start).toBeLessThan(dfa.numStates);
}

describe("single-pattern DFAs", () => {
  it("have the documented shape and accept label 1", () => {
    for (const dfa of [ok(compileGlob("/mem/**", "path")), ok(compileRegex("^a.c$|x{2,5}")), ok(compileGlob("https://*.x/*", "url"))]) {
      checkShape(dfa);
      for (const a of dfa.accept) expect([0, 1]).toContain(a);
      expect(dfa.acceptSets[1]).toEqual([0]);
    }
  });

  it("are minimal: equivalent patterns give the same number of states", () => {
    const sizes = ["^(a|b)*$", "^[ab]*$", "^(a*b*)*$", "^(?:[ab]|a)*$"].map((re) => ok(compileRegex(re)).numStates);
    expect(new Set(sizes).size).toBe(1);
    // Unanchored `a`: dead, searching, and the all-accepting sink.
    expect(ok(compileRegex("a")).numStates).toBe(3);
    // `/mem/**`: dead, start, one state per literal byte, the accepting loop.
    expect(ok(compileGlob("/mem/**", "path")).numStates).toBe(7);
  });

  it("merge bytes that behave alike into few classes", () => {
    expect(ok(compileGlob("/mem/**", "path")).numClasses).toBe(4); // '/', 'm', 'e', everything else
    expect(ok(compileRegex("^[a-z]+$")).numClasses).toBe(2);
  });

  it("state 0 is dead: a regex that can never match starts there", () => {
    const dfa = ok(compileRegex("[]"));
    expect(dfa.start).toBe(0);
    expect(dfaAccepts(dfa, "")).toBe(false);
    expect(runDfa(ok(compileGlob("/a", "path")), "/b")).toBe(0);
  });

  it("reports a too-complex glob as E0401 and honours maxStates", () => {
    expect(compileGlob("/a/b/c", "path", { maxStates: 3 })).toMatchObject({ code: "E0401" });
    expect(compileRegex("abcdef", { maxStates: 3 })).toMatchObject({ code: "E0402" });
  });
});

describe("compileCombined", () => {
  const patterns = [
    { kind: "path" as const, src: "/mem/**" },
    { kind: "path" as const, src: "/mem/secret/**" },
    { kind: "regex" as const, src: "\\.txt$" },
    { kind: "string" as const, src: "*" },
    { kind: "url" as const, src: "https://*.example/**" },
  ];

  it("labels each state with the sorted set of accepting patterns", () => {
    const dfa = ok(compileCombined(patterns));
    checkShape(dfa);
    expect(acceptedPatterns(dfa, "/mem/a")).toEqual([0]);
    expect(acceptedPatterns(dfa, "/mem/secret/k.txt")).toEqual([0, 1, 2]);
    expect(acceptedPatterns(dfa, "notes.txt")).toEqual([2, 3]);
    expect(acceptedPatterns(dfa, "https://a.example/x")).toEqual([4]);
    expect(acceptedPatterns(dfa, "/mem")).toEqual([]);
    for (const set of dfa.acceptSets) expect([...set].sort((a, b) => a - b)).toEqual(set);
    expect(new Set(dfa.acceptSets.map((s) => s.join(","))).size).toBe(dfa.acceptSets.length);
  });

  it("agrees with the single-pattern DFAs", () => {
    const dfa = ok(compileCombined(patterns));
    const singles = patterns.map((p) => ok(p.kind === "regex" ? compileRegex(p.src) : compileGlob(p.src, p.kind)));
    for (const s of ["", "/", "/mem/", "/mem/secret/", "a.txt", "https://a.b.example/x", "https://b.example/"]) {
      const expected = singles.flatMap((d, i) => (dfaAccepts(d, s) ? [i] : []));
      expect(acceptedPatterns(dfa, s), s).toEqual(expected);
    }
  });

  it("returns the first bad pattern's error with its index", () => {
    const res = compileCombined([{ kind: "path", src: "/ok" }, { kind: "regex", src: "(?=x)" }, { kind: "path", src: "a**" }]);
    expect(res).toMatchObject({ code: "E0402", pattern: 1, offset: 0 });
    expect(isPatternError(res)).toBe(true);
  });

  it("returns TOO_LARGE past maxStates", () => {
    expect(compileCombined(patterns, { maxStates: 5 })).toEqual({ code: "TOO_LARGE" });
  });

  it("an empty pattern list accepts nothing", () => {
    const dfa = ok(compileCombined([]));
    checkShape(dfa);
    expect(dfaAccepts(dfa, "")).toBe(false);
  });

  for (const n of [1_000, 10_000]) {
    it(`indexes ${n} path globs`, () => {
      const globs = Array.from({ length: n }, (_, i) => ({ kind: "path" as const, src: `/data/t${i}/**` }));
      const t0 = performance.now();
      const dfa = ok(compileCombined(globs));
      const ms = performance.now() - t0;
      console.log(`compileCombined: ${n} globs → ${dfa.numStates} states × ${dfa.numClasses} classes in ${ms.toFixed(0)} ms`);
      checkShape(dfa);
      expect(dfa.numStates).toBeLessThan(5 * n);
      expect(dfa.acceptSets.length).toBe(n + 1);
      expect(acceptedPatterns(dfa, `/data/t${n - 1}/x/y`)).toEqual([n - 1]);
      expect(acceptedPatterns(dfa, "/data/t7/")).toEqual([7]);
      expect(acceptedPatterns(dfa, "/data/t7")).toEqual([]);
      expect(acceptedPatterns(dfa, `/data/t${n}/x`)).toEqual([]);
    });
  }
});
