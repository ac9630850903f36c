import { describe, expect, it } from "vitest";
import { checkSource } from "../compile.js";

const codes = (src: string) => checkSource(src, "t.acp").diagnostics.map((d) => `${d.code}@${d.span.line}:${d.span.col}`);
const wrap = (body: string) => `policy p {\n  type Currency = "USD" | "EUR"\n  tool pay({ amount: number, currency: Currency, to: string, tags: string[], few: string[] max 3, memo?: string })\n${body}\n}\n`;

describe("checker", () => {
  it("reports every type error of a policy in one run, each at its own location", () => {
    const src = wrap([
      '  allow tool pay when args.amout <= 1000',
      '  allow tool pay when args.amount == "x"',
      '  allow tool pay when args.currency == "GBP"',
      '  allow tool pay when any(t in args.tags: t == "a")',
      '  allow tool nope',
      '  allow fs.read "/a" when args.size > 1',
      '  allow tool pay when args.amount',
    ].join("\n"));
    expect(codes(src)).toEqual(["E0303@4:23", "E0301@5:23", "E0301@6:40", "E0305@7:32", "E0203@8:9", "E0304@9:27", "E0302@10:23"]);
  });

  it("resolves ids, consts and quantifiers into a checked policy", () => {
    const r = checkSource(wrap('  const big = 1000\n  @id("a") allow tool pay when args.amount <= big and all(t in args.few: t.startsWith("x"))\n  deny tool pay'), "t.acp");
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(r.checked!.rules.map((x) => x.id)).toEqual(["a", "p:6"]);
  });

  it("rejects duplicate ids, duplicate declarations and bad patterns", () => {
    const src = wrap([
      '  @id("x") allow tool pay',
      '  @id("x") deny tool pay',
      '  tool pay({ q: string })',
      '  allow fs.read "/a/b**"',
      '  allow tool pay when args.to.matchesRegex("(a")',
      '  allow tool pay when ip(args.to).inCidr("10.0.0.0/33")',
      '  allow tool pay when args.to.matches(args.to)',
    ].join("\n"));
    expect(checkSource(src, "t.acp").diagnostics.map((d) => d.code).sort()).toEqual(["E0201", "E0205", "E0311", "E0401", "E0402", "E0403"]);
  });

  it("points a repeated declaration, rule id or setting and a shadowed or repeated rule at the other place", () => {
    const related = (src: string) => checkSource(src, "t.acp").diagnostics.map((d) => `${d.code}@${d.span.line} -> ${(d.related ?? []).map((r) => r.span.line).join(",")}`);
    expect(related(wrap(['  @id("x") allow tool pay', '  @id("x") deny tool pay', '  tool pay({ q: string })', '  type Currency = "GBP"', '  const k = 1', '  const k = 2'].join("\n"))).sort())
      .toEqual(["E0201@6 -> 3", "E0201@7 -> 2", "E0201@9 -> 8", "E0205@5 -> 4"]);
    expect(related("policy p {\n  version \"1\"\n  version \"2\"\n}\n")).toEqual(["E0210@3 -> 2"]);
    expect(related(wrap("  deny tool pay\n  allow tool pay when args.amount < 5\n  deny tool pay"))).toEqual(["W0101@5 -> 4", "W0103@6 -> 4"]);
  });

  it("warns about shadowed and duplicate rules", () => {
    const r = checkSource(wrap("  deny tool pay\n  allow tool pay when args.amount < 5\n  deny tool pay"), "t.acp");
    expect(r.diagnostics.map((d) => d.code)).toEqual(["W0101", "W0103"]);
    expect(r.checked).not.toBeNull();
  });

  it("warns about a glob no canonical target can match (a deny written so protects nothing)", () => {
    const never = ['"/mem/secrets/"', '"/mem/./x"', '"mem/**"', '"https://EVIL.example/**"', '"https://evil.example:443/**"', '"http://evil.example:80/*"', '"https://evil.example./**"', '"https://evil.example"'];
    const fine = ['"/mem/**"', '"/"', '"https://**"', '"https://*.evil.example/**"', '"https://evil.example/a?x=*"', '"http://evil.example:8080/*/"', '"https://[::1]/**"'];
    const rule = (g: string) => (g.startsWith('"http') ? `  deny net.fetch ${g}` : `  deny fs.read ${g}`);
    const src = wrap([...never, ...fine].map(rule).join("\n"));
    const r = checkSource(src, "t.acp");
    const warned = r.diagnostics.filter((d) => d.code === "W0104").map((d) => src.slice(d.span.offset, d.span.endOffset));
    expect(r.checked).not.toBeNull();
    expect(warned).toEqual(never.map((g) => (g.startsWith('"http') ? `net.fetch ${g}` : `fs.read ${g}`)));
    expect(r.diagnostics.find((d) => d.code === "W0104" && d.message.includes("EVIL"))?.message).toContain("`https://evil.example/a/a`");
  });
});
