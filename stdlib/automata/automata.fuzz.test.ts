// Differential properties: the automata against independent JS RegExp oracles (globRegexSource,
// regexToJs), on random patterns and inputs over a small alphabet where collisions are likely.
// `npm run fuzz` runs these with ACP_FUZZ_RUNS=20000.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { acceptedPatterns, compileCombined, compileGlob, compileRegex, dfaAccepts, type PatternSource } from "./compile.js";
import { globRegexSource, parseGlob, type GlobKind } from "./glob.js";
import { parseRegex, regexToJs } from "./regex.js";
import { regions } from "./product.js";
import { isPatternError } from "./errors.js";
import type { Dfa } from "./dfa.js";
import type { PatternError, TooLarge } from "./errors.js";

const numRuns = Number(process.env.ACP_FUZZ_RUNS ?? 200);

// ---- inputs ----
const inputChar = fc.constantFrom("a", "b", "c", ".", "/", ":", "é", "😀", "\n", " ", "1", "_");
const randomInput = fc.array(inputChar, { maxLength: 10 }).map((cs) => cs.join(""));

// ---- globs ----
const segmentChar = fc.constantFrom("a", "b", ".", "é", ":", "*");
/** A segment: `**`, or chars where `*` never doubles (a doubled star is E0401, tested separately). */
const segment = fc.oneof(
  { weight: 1, arbitrary: fc.constant("**") },
  { weight: 4, arbitrary: fc.array(segmentChar, { maxLength: 4 }).map((cs) => cs.join("").replace(/\*{2,}/g, "*")) },
);
const pathGlob = fc.array(segment, { minLength: 1, maxLength: 4 }).map((segs) => segs.join("/")).filter((g) => g !== "");
const urlGlob = fc
  .tuple(fc.constantFrom("https", "http", "*"), fc.array(segmentChar, { maxLength: 5 }), pathGlob)
  .map(([scheme, host, path]) => `${scheme}://${host.join("").replace(/\*{2,}/g, "*")}/${path}`);
const globCase = fc.oneof(
  pathGlob.map((src) => ({ kind: "path" as GlobKind, src })),
  pathGlob.map((src) => ({ kind: "string" as GlobKind, src })),
  urlGlob.map((src) => ({ kind: "url" as GlobKind, src })),
);
/** An input built from the glob itself, so that matches are frequent. */
const fill = fc.array(inputChar, { maxLength: 3 }).map((cs) => cs.join(""));
function instantiate(src: string) {
  return fc.array(fill, { minLength: 40, maxLength: 40 }).map((fills) => {
    let i = 0;
    return src.replace(/\*\*|\*/g, () => fills[i++ % fills.length]!);
  });
}

// ---- regexes ----
const regexAtom = fc.constantFrom(
  "a", "b", "é", "😀", "/", "\\.", ".", "\\n", "\\d", "\\D", "\\w", "\\W", "\\s", "\\S",
  "[ab]", "[^a]", "[a-c]", "[^\\w]", "[.\\/]", "[^\\n]", "[\\d_]",
);
const quantifier = fc.constantFrom("", "", "", "*", "+", "?", "{2}", "{0,2}", "{1,}", "*?", "+?", "{1,3}?");
// Depth-bounded so that neither the DFA construction nor JS's backtracking oracle can run away.
const depth = { maxDepth: 3, depthIdentifier: "re" };
const regexBody: fc.Arbitrary<string> = fc.letrec<{ expr: string; term: string }>((tie) => ({
  term: fc
    .oneof(
      depth,
      { weight: 4, arbitrary: regexAtom },
      { weight: 1, arbitrary: fc.tuple(fc.constantFrom("(", "(?:"), tie("expr")).map(([open, e]) => `${open}${e})`) },
    )
    .chain((t) => quantifier.map((q) => t + q)),
  expr: fc.oneof(
    depth,
    { weight: 3, arbitrary: fc.array(tie("term"), { maxLength: 3 }).map((ts) => ts.join("")) },
    { weight: 1, arbitrary: fc.tuple(tie("expr"), tie("expr")).map(([a, b]) => `${a}|${b}`) },
  ),
})).expr;
const regexSrc = fc
  .array(fc.tuple(fc.boolean(), fc.array(regexAtom.chain((a) => quantifier.map((q) => a + q)), { maxLength: 2 }), regexBody, fc.boolean()), {
    minLength: 1,
    maxLength: 2,
  })
  .map((alts) => alts.map(([s, pre, body, e]) => `${s ? "^" : ""}${pre.join("")}${body}${e ? "$" : ""}`).join("|"))
  .filter((src) => src.length <= 80);

/** Unwraps a successful result; a PatternError or TooLarge fails the test. */
function ok<T>(x: T): Exclude<T, PatternError | TooLarge> {
  if (typeof x === "object" && x !== null && "code" in x) throw new Error(`unexpected ${JSON.stringify(x)}`);
  return x as Exclude<T, PatternError | TooLarge>;
}

function oracle(p: PatternSource): (s: string) => boolean {
  if (p.kind === "regex") {
    const re = regexToJs(ok(parseRegex(p.src)));
    return (s) => re.test(s);
  }
  const re = new RegExp(globRegexSource(ok(parseGlob(p.src, p.kind))), "u");
  return (s) => re.test(s);
}

// Random nested counted repetitions can blow up determinization; "too complex" is a defined
// outcome (E0402 / TOO_LARGE), so such cases are discarded under a small budget, not failed.
const budget = { maxStates: 5_000 };

function dfaOf(p: PatternSource): Dfa {
  const res = p.kind === "regex" ? compileRegex(p.src, budget) : compileGlob(p.src, p.kind, budget);
  fc.pre(!(isPatternError(res) && res.message.includes("too complex")));
  return ok(res);
}

describe("differential: DFA verdict === RegExp oracle", () => {
  it("globs", () => {
    fc.assert(
      fc.property(
        globCase.chain((g) => fc.tuple(fc.constant(g), fc.array(fc.oneof(randomInput, instantiate(g.src)), { minLength: 1, maxLength: 8 }))),
        ([{ kind, src }, inputs]) => {
          const dfa = dfaOf({ kind, src });
          const re = oracle({ kind, src });
          for (const s of inputs) expect(dfaAccepts(dfa, s), `${kind} ${src} on ${JSON.stringify(s)}`).toBe(re(s));
        },
      ),
      { numRuns },
    );
  });

  it("regexes", () => {
    fc.assert(
      fc.property(regexSrc, fc.array(randomInput, { minLength: 1, maxLength: 8 }), (src, inputs) => {
        // The generator only produces valid regexes, and JS must agree they are valid.
        const dfa = dfaOf({ kind: "regex", src });
        const re = oracle({ kind: "regex", src });
        expect(() => new RegExp(src, "u")).not.toThrow();
        for (const s of inputs) expect(dfaAccepts(dfa, s), `/${src}/ on ${JSON.stringify(s)}`).toBe(re(s));
      }),
      { numRuns },
    );
  });

  it("glob errors: E0401 exactly when `**` is part of a longer segment", () => {
    const raw = fc.array(fc.constantFrom("a", "*", "/", "."), { minLength: 1, maxLength: 8 }).map((cs) => cs.join(""));
    fc.assert(
      fc.property(raw, (src) => {
        const bad = src.split("/").some((seg) => seg !== "**" && seg.includes("**"));
        const res = parseGlob(src, "path");
        expect(isPatternError(res)).toBe(bad);
        if (isPatternError(res)) expect(src.slice(res.offset, res.offset + 2)).toBe("**");
      }),
      { numRuns },
    );
  });
});

const patternCase: fc.Arbitrary<PatternSource> = fc.oneof(
  globCase,
  regexSrc.map((src) => ({ kind: "regex" as const, src })),
);

describe("combined automata and regions", () => {
  it("combined accept set === the set of patterns whose oracle matches", () => {
    fc.assert(
      fc.property(fc.array(patternCase, { minLength: 1, maxLength: 4 }), fc.array(randomInput, { minLength: 1, maxLength: 8 }), (patterns, inputs) => {
        const combined = compileCombined(patterns, budget);
        fc.pre(!("code" in combined && combined.code === "TOO_LARGE"));
        const dfa = ok(combined);
        const oracles = patterns.map(oracle);
        for (const s of inputs) {
          const expected = oracles.flatMap((o, i) => (o(s) ? [i] : []));
          expect(acceptedPatterns(dfa, s), JSON.stringify(s)).toEqual(expected);
        }
      }),
      { numRuns },
    );
  });

  it("regions: witnesses are right and every observed combination is listed", () => {
    fc.assert(
      fc.property(fc.array(patternCase, { minLength: 1, maxLength: 3 }), fc.array(randomInput, { maxLength: 10 }), (patterns, inputs) => {
        const dfas = patterns.map(dfaOf);
        const found = regions(dfas, { maxStates: 20_000 });
        fc.pre(!("code" in found));
        const res = ok(found);
        const oracles = patterns.map(oracle);
        const keys = new Set<string>();
        for (const r of res) {
          expect(oracles.map((o) => o(r.witness)), JSON.stringify(r.witness)).toEqual(r.accepts);
          keys.add(r.accepts.join());
        }
        expect(keys.size).toBe(res.length);
        for (const s of inputs) expect(keys.has(oracles.map((o) => o(s)).join()), JSON.stringify(s)).toBe(true);
      }),
      { numRuns },
    );
  });
});
