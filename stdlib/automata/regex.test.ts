import { describe, expect, it } from "vitest";
import { compileRegex, dfaAccepts } from "./compile.js";
import { parseRegex, regexToJs } from "./regex.js";
import { isPatternError } from "./errors.js";

/** Matches with the DFA and with the RegExp oracle, insists they agree, returns the verdict. */
function matches(re: string, input: string): boolean {
  const dfa = compileRegex(re);
  const ast = parseRegex(re);
  if (isPatternError(dfa)) throw new Error(`bad regex ${re}: ${dfa.message}`);
  if (isPatternError(ast)) throw new Error(`bad regex ${re}: ${ast.message}`);
  const viaDfa = dfaAccepts(dfa, input);
  expect(viaDfa, `${re} on ${JSON.stringify(input)}: DFA vs RegExp`).toBe(regexToJs(ast).test(input));
  return viaDfa;
}

describe("regex features (docs/reference.md, Regular expressions)", () => {
  it("search semantics unless anchored", () => {
    expect(matches("b", "abc")).toBe(true);
    expect(matches("^b", "abc")).toBe(false);
    expect(matches("^a", "abc")).toBe(true);
    expect(matches("c$", "abc")).toBe(true);
    expect(matches("b$", "abc")).toBe(false);
    expect(matches("^abc$", "abc")).toBe(true);
    expect(matches("^abc$", "abcd")).toBe(false);
    expect(matches("^$", "")).toBe(true);
    expect(matches("^$", "a")).toBe(false);
    expect(matches("", "anything")).toBe(true);
    expect(matches("x", "")).toBe(false);
  });

  it("anchors per top-level alternative", () => {
    expect(matches("^a|c$", "xc")).toBe(true);
    expect(matches("^a|c$", "ax")).toBe(true);
    expect(matches("^a|c$", "xax")).toBe(false);
    expect(matches("^a$|^b$", "b")).toBe(true);
    expect(matches("^a$|^b$", "ab")).toBe(false);
    expect(matches("a|", "zzz")).toBe(true);
  });

  it("search spans newlines: only `.` excludes `\\n`", () => {
    expect(matches("b", "a\nb")).toBe(true);
    expect(matches("a.b", "a\nb")).toBe(false);
    expect(matches("a.b", "a\rb")).toBe(true);
    expect(matches("a.b", "a\u2028b")).toBe(true);
    expect(matches("a\\nb", "a\nb")).toBe(true);
    expect(matches("^a\\s+b$", "a \t\n\r\f\vb")).toBe(true);
    expect(matches("^\\s$", "\u00a0")).toBe(false);
  });

  it("classes, ranges, negation and escapes in classes", () => {
    expect(matches("^[abc]+$", "cab")).toBe(true);
    expect(matches("^[a-c]+$", "abd")).toBe(false);
    expect(matches("^[^a-c]$", "d")).toBe(true);
    expect(matches("^[^a-c]$", "b")).toBe(false);
    expect(matches("^[-a]+$", "-a-")).toBe(true);
    expect(matches("^[a-]+$", "-a-")).toBe(true);
    expect(matches("^[\\]\\[]+$", "][")).toBe(true);
    expect(matches("^[[]$", "[")).toBe(true);
    expect(matches("^[\\d.]+$", "1.5")).toBe(true);
    expect(matches("^[\\w-]+$", "ab_9-")).toBe(true);
    expect(matches("^[\\D]$", "é")).toBe(true);
    expect(matches("^[^\\D]$", "5")).toBe(true);
    expect(matches("^[^\\D]$", "é")).toBe(false);
    expect(matches("^[.]$", "x")).toBe(false);
    expect(matches("^[\\n\\t]+$", "\n\t")).toBe(true);
    expect(matches("[]", "abc")).toBe(false);
    expect(matches("^[^]$", "\n")).toBe(true);
  });

  it("\\d \\D \\w \\W \\s \\S are ASCII-pinned", () => {
    expect(matches("^\\d+$", "0123456789")).toBe(true);
    expect(matches("^\\d$", "٣")).toBe(false); // Arabic-Indic digit
    expect(matches("^\\D$", "٣")).toBe(true);
    expect(matches("^\\w+$", "azAZ09_")).toBe(true);
    expect(matches("^\\w$", "é")).toBe(false);
    expect(matches("^\\W$", "é")).toBe(true);
    expect(matches("^\\S$", "😀")).toBe(true);
    expect(matches("^\\S$", " ")).toBe(false);
  });

  it("the listed escapes are literals", () => {
    const chars = "./\\-[](){}*+?|^$";
    for (const c of chars) expect(matches(`^\\${c}$`, c)).toBe(true);
    expect(matches("^\\r\\t$", "\r\t")).toBe(true);
  });

  it("groups, alternation and quantifiers (lazy forms denote the same language)", () => {
    expect(matches("^(ab)+$", "abab")).toBe(true);
    expect(matches("^(?:ab)+$", "aba")).toBe(false);
    expect(matches("^(a|bc)*d$", "abcad")).toBe(true);
    expect(matches("^a?b$", "b")).toBe(true);
    expect(matches("^a{3}$", "aaa")).toBe(true);
    expect(matches("^a{3}$", "aaaa")).toBe(false);
    expect(matches("^a{2,}$", "aaaaa")).toBe(true);
    expect(matches("^a{2,}$", "a")).toBe(false);
    expect(matches("^a{2,3}$", "aaa")).toBe(true);
    expect(matches("^a{2,3}$", "aaaa")).toBe(false);
    expect(matches("^a{0}b$", "b")).toBe(true);
    expect(matches("^a*?b+?c??d{1,2}?$", "aabdd")).toBe(true);
    expect(matches("^()$", "")).toBe(true);
    expect(matches("^(|a)b$", "ab")).toBe(true);
    expect(matches("^x{1000}$", "x".repeat(1000))).toBe(true);
    expect(matches("^x{1000}$", "x".repeat(999))).toBe(false);
  });

  it("a literal `{` needs escaping; a quantifier binds to a whole code point", () => {
    expect(matches("^\\{\\}$", "{}")).toBe(true);
    expect(matches("^😀+$", "😀😀")).toBe(true);
    expect(matches("^é{2}$", "éé")).toBe(true);
  });
});

describe("UTF-8: `.` and negated sets consume one code point", () => {
  it("`^.$` accepts one code point of any length", () => {
    for (const s of ["a", "é", "€", "😀", "\u{10ffff}", "\r"]) expect(matches("^.$", s)).toBe(true);
    for (const s of ["", "ab", "éé", "😀a", "\n"]) expect(matches("^.$", s)).toBe(false);
  });

  it("counts code points, not bytes or UTF-16 units", () => {
    expect(matches("^...$", "é😀€")).toBe(true);
    expect(matches("^..$", "😀")).toBe(false);
    expect(matches("^.{4}$", "😀")).toBe(false);
    expect(matches("^[^a]{2}$", "é😀")).toBe(true);
    expect(matches("^\\W{2}$", "é😀")).toBe(true);
  });

  it("non-ASCII literals", () => {
    expect(matches("café", "un café noir")).toBe(true);
    expect(matches("^caf.$", "café")).toBe(true);
    expect(matches("😀|é", "xé")).toBe(true);
  });
});

describe("E0402 rejections", () => {
  it.each([
    ["(a)\\1", "backreferences are not supported", 3],
    ["(?<n>a)\\k<n>", "named groups are not supported", 0],
    ["\\k<n>", "named backreferences are not supported", 0],
    ["a(?=b)", "lookahead is not supported", 1],
    ["a(?!b)", "lookahead is not supported", 1],
    ["(?<=a)b", "lookbehind is not supported", 0],
    ["(?<!a)b", "lookbehind is not supported", 0],
    ["(?i)abc", "flags", 0],
    ["(?i:a)", "flags", 0],
    ["\\bword", "word boundaries", 0],
    ["a\\B", "word boundaries", 1],
    ["[\\b]", "backspace", 1],
    ["\\p{L}", "Unicode property escapes", 0],
    ["\\x41", "hex and Unicode escapes", 0],
    ["\\u0041", "hex and Unicode escapes", 0],
    ["\\cA", "control escapes", 0],
    ["\\0", "`\\0`", 0],
    ["\\f", "unsupported escape", 0],
    ["\\v", "unsupported escape", 0],
    ["\\a", "unsupported escape", 0],
    ["a\\", "trailing backslash", 1],
    ["[é]", "non-ASCII", 1],
    ["[a-é]", "non-ASCII", 3],
    ["[z-a]", "out of order", 1],
    ["[\\d-z]", "class range", 1],
    ["[a-\\w]", "class range", 1],
    ["[abc", "unterminated character class", 0],
    ["a{2,1}", "m >= n", 1],
    ["a{1001}", "above 1000", 1],
    ["a{0,1001}", "above 1000", 1],
    ["a{1001,}", "above 1000", 1],
    ["a**", "cannot follow another quantifier", 2],
    ["a*+", "cannot follow another quantifier", 2],
    ["a+?*", "cannot follow another quantifier", 3],
    ["a{2}{3}", "cannot follow another quantifier", 4],
    ["*a", "nothing to repeat", 0],
    ["a|+", "nothing to repeat", 2],
    ["(*)", "nothing to repeat", 1],
    ["{2}", "nothing to repeat", 0],
    ["a{", "must be escaped", 1],
    ["a{,3}", "must be escaped", 1],
    ["a}", "must be escaped", 1],
    ["a]", "must be escaped", 1],
    ["(a", "missing `)`", 0],
    ["a)", "unmatched `)`", 1],
    ["a^", "`^` is only supported", 1],
    ["(^a)", "`^` is only supported", 1],
    ["a$b", "`$` is only supported", 1],
    ["(a$)", "`$` is only supported", 2],
    ["a$*", "`$` is only supported", 1],
    ["a\uD800", "unpaired surrogate", 1],
  ])("%s → E0402 (%s) at %i", (re, message, offset) => {
    const res = parseRegex(re);
    expect(res).toMatchObject({ code: "E0402", offset });
    if (isPatternError(res)) expect(res.message).toContain(message);
  });

  it("`^*` is rejected (a quantified anchor)", () => {
    // `^` is consumed as the anchor, then `*` has nothing to repeat.
    expect(parseRegex("^*")).toMatchObject({ code: "E0402", message: expect.stringContaining("nothing to repeat") });
  });

  it("rejects regexes whose automaton would be too large", () => {
    expect(compileRegex("(a{1000}){1000}")).toMatchObject({ code: "E0402", message: expect.stringContaining("too large") });
    expect(compileRegex("[ab]*a[ab]{30}")).toMatchObject({ code: "E0402", message: expect.stringContaining("too complex") });
  });

  it("accepts what JS accepts in the subset, and JS agrees it is valid with the u flag", () => {
    for (const re of ["^[\\w.-]+@[\\w-]+\\.[a-z]{2,}$", "(?:a|b)*c", "x{0,}", "\\/\\-\\."]) {
      const ast = parseRegex(re);
      expect(isPatternError(ast), re).toBe(false);
      if (!isPatternError(ast)) expect(() => regexToJs(ast)).not.toThrow();
    }
  });
});
