import { describe, expect, it } from "vitest";
import { compileGlob, dfaAccepts } from "./compile.js";
import { globRegexSource, parseGlob, type GlobKind } from "./glob.js";
import { isPatternError } from "./errors.js";

/** Matches with the DFA and with the RegExp oracle, insists they agree, returns the verdict. */
function matches(glob: string, input: string, kind: GlobKind = "path"): boolean {
  const dfa = compileGlob(glob, kind);
  const ast = parseGlob(glob, kind);
  if (isPatternError(dfa) || isPatternError(ast)) throw new Error(`bad glob ${glob}`);
  const viaDfa = dfaAccepts(dfa, input);
  const viaRegex = new RegExp(globRegexSource(ast), "u").test(input);
  expect(viaDfa, `${glob} on ${JSON.stringify(input)}: DFA vs RegExp`).toBe(viaRegex);
  return viaDfa;
}

describe("glob semantics (docs/reference.md, Globs)", () => {
  it("`/mem/**` matches every path below /mem/, not /mem itself", () => {
    expect(matches("/mem/**", "/mem/a")).toBe(true);
    expect(matches("/mem/**", "/mem/a/b")).toBe(true);
    expect(matches("/mem/**", "/mem/working/notes.txt")).toBe(true);
    expect(matches("/mem/**", "/mem")).toBe(false);
    expect(matches("/mem/**", "/memory/a")).toBe(false);
    expect(matches("/mem/**", "/other/mem/a")).toBe(false);
  });

  it("`*` matches within one segment", () => {
    expect(matches("/a/*/c", "/a/b/c")).toBe(true);
    expect(matches("/a/*/c", "/a/bbb/c")).toBe(true);
    expect(matches("/a/*/c", "/a//c")).toBe(true); // possibly empty
    expect(matches("/a/*/c", "/a/b/x/c")).toBe(false);
    expect(matches("/a/*/c", "/a/b/c/d")).toBe(false);
  });

  it("`*.txt` inside a segment", () => {
    expect(matches("/docs/*.txt", "/docs/notes.txt")).toBe(true);
    expect(matches("/docs/*.txt", "/docs/.txt")).toBe(true);
    expect(matches("/docs/*.txt", "/docs/a.b.txt")).toBe(true);
    expect(matches("/docs/*.txt", "/docs/sub/notes.txt")).toBe(false);
    expect(matches("/docs/*.txt", "/docs/notes.txt.bak")).toBe(false);
    expect(matches("/docs/a*b*c", "/docs/aXbYc")).toBe(true);
    expect(matches("/docs/a*b*c", "/docs/abc")).toBe(true);
    expect(matches("/docs/a*b*c", "/docs/acb")).toBe(false);
  });

  it("`**` in the middle and at the start", () => {
    expect(matches("/a/**/z", "/a/b/c/z")).toBe(true);
    expect(matches("/a/**/z", "/a/b/z")).toBe(true);
    expect(matches("/a/**/z", "/a/z")).toBe(false);
    expect(matches("**/secret", "/x/secret")).toBe(true);
    expect(matches("**", "")).toBe(true);
    expect(matches("**", "/anything/at/all")).toBe(true);
  });

  it("every other character is literal (no escapes, `?` or brackets)", () => {
    expect(matches("/a?b", "/a?b")).toBe(true);
    expect(matches("/a?b", "/axb")).toBe(false);
    expect(matches("/[ab]", "/[ab]")).toBe(true);
    expect(matches("/[ab]", "/a")).toBe(false);
    expect(matches("/a.b", "/axb")).toBe(false);
    expect(matches("/a\\*", "/a\\xyz")).toBe(true);
  });

  it("`*` and literals work on whole code points", () => {
    expect(matches("/é/*", "/é/😀")).toBe(true);
    expect(matches("/*é", "/caféé")).toBe(true);
    expect(matches("/*é", "/cafe")).toBe(false);
    expect(matches("/😀*", "/😀😀")).toBe(true);
  });

  it("string kind behaves like path kind", () => {
    for (const s of ["a/b", "ab", "x.txt", "a/b/c"]) {
      expect(matches("a/*", s, "string")).toBe(matches("a/*", s, "path"));
    }
  });
});

describe("URL globs", () => {
  it("`*` in the host matches one DNS label", () => {
    expect(matches("https://*.bank.example/**", "https://api.bank.example/x", "url")).toBe(true);
    expect(matches("https://*.bank.example/**", "https://a.b.bank.example/x", "url")).toBe(false);
    expect(matches("https://*.bank.example/**", "https://evil.example/.bank.example/x", "url")).toBe(false);
    expect(matches("https://*.bank.example/**", "https://api.bank.example:8443/x", "url")).toBe(false);
  });

  it("`*` after the host is a path-segment star; the query is part of the URL", () => {
    expect(matches("https://api.example/**", "https://api.example/pay?x=1", "url")).toBe(true);
    expect(matches("https://api.example/*", "https://api.example/a.b:c", "url")).toBe(true);
    expect(matches("https://api.example/*", "https://api.example/a/b", "url")).toBe(false);
    expect(matches("https://api.example:*/x", "https://api.example:8080/x", "url")).toBe(true);
  });

  it("the same glob as a path glob lets `*` cross dots", () => {
    expect(matches("https://*.bank.example/**", "https://a.b.bank.example/x", "path")).toBe(true);
  });

  it("a URL glob without `://` has no host part", () => {
    expect(matches("*.example/x", "a.b.example/x", "url")).toBe(true);
  });
});

describe("glob errors", () => {
  it.each([
    ["a**", 1],
    ["**b", 0],
    ["/x/a**/y", 4],
    ["/x/***", 3],
    ["https://**.example/", 8],
  ])("%s is E0401 at offset %i", (glob, offset) => {
    const res = parseGlob(glob, glob.includes("://") ? "url" : "path");
    expect(res).toMatchObject({ code: "E0401", offset });
  });

  it("rejects the empty glob", () => {
    expect(parseGlob("", "path")).toMatchObject({ code: "E0401", offset: 0 });
    expect(compileGlob("", "url")).toMatchObject({ code: "E0401" });
  });

  it("rejects an unpaired surrogate", () => {
    expect(parseGlob("/a\uD800", "path")).toMatchObject({ code: "E0401", offset: 2 });
  });

  it("accepts `**` as a whole segment anywhere, and in a URL host", () => {
    expect(isPatternError(parseGlob("**/a/**/b/**", "path"))).toBe(false);
    expect(matches("https://**", "https://a.b.c/d?e", "url")).toBe(true);
  });
});

describe("globRegexSource", () => {
  it("pins the semantics with explicit classes", () => {
    const ast = parseGlob("https://*.x/*/**", "url");
    if (isPatternError(ast)) throw new Error("unexpected");
    expect(globRegexSource(ast)).toBe(
      "^https\\u{3a}\\u{2f}\\u{2f}[^\\u{2e}\\u{2f}\\u{3a}]*\\u{2e}x\\u{2f}[^\\u{2f}]*\\u{2f}[\\s\\S]*$",
    );
  });
});
