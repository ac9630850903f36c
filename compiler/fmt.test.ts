import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { format } from "./fmt.js";
import { parse } from "../grammar/index.js";
import { lex } from "../grammar/lexer.js";

const RUNS = Number(process.env.ACP_FUZZ_RUNS ?? 300);

// The example of DESIGN.md, verbatim.
const FINANCE = readFileSync(new URL("../grammar/testdata/design-example.acp", import.meta.url), "utf8");

const TRICKY = `// header comment


/* block
   header */
policy   p{ // after brace

  version"1"   // v
  type T={a:string,b?:number[]max 3,type:"x"|"y",}
  tool t( T )
  const xs=[1,-2,3]



  @id( "r1" ) allow tool t when args.a.startsWith("x")and not(args.b in 1..10)or args.c[0]>=-1
  allow tool t
     // explain
     when any(x in xs: x==1) /* inline */ and ip(args.a).inCidr("10.0.0.0/8")
  deny fs.read "/x/**"when agent.labels["team"]!="a"   and args.max.length<3
  limit tool * 10 per 30s
  pipe q:a->b carries{x:string}capacity 4
  assert never fs.write"/policy/**"   when - - 1 < args.n

  // last
}
// trailer
`;

function fmt(source: string): string {
  const r = format(source, "t.acp");
  expect(r.diagnostics).toEqual([]);
  expect(r.output).not.toBeNull();
  return r.output!;
}

/** Rules (by index) without @id that share their line with another: their ids clash (E0205) and
 * the layout gives each a line of its own, so their ids are not compared. */
function sharedLines(source: string): Set<number> {
  const rules = parse(source, "t.acp").policy?.rules ?? [];
  const onLine = new Map<number, number>();
  for (const r of rules) if (r.id === null) onLine.set(r.span.line, (onLine.get(r.span.line) ?? 0) + 1);
  return new Set(rules.flatMap((r, i) => (r.id === null && onLine.get(r.span.line)! > 1 ? [i] : [])));
}

/** The policy without positions, each rule under the id it decides with (`<policy>:<line>` without
 * @id), except the rules in `skip`. */
function ast(source: string, skip = new Set<number>()): unknown {
  const { policy } = parse(source, "t.acp");
  expect(policy).not.toBeNull();
  policy!.rules.forEach((r, i) => { r.id = skip.has(i) ? null : r.id ?? `${policy!.name}:${r.span.line}`; });
  return JSON.parse(JSON.stringify(policy, (k, v) => (k === "span" || k === "idSpan" ? undefined : v)));
}

const comments = (source: string) => lex(source, "t.acp").comments.map((c) => c.image.trimEnd());

/** The properties every formatting must have. */
function checkFormat(source: string): string {
  const out = fmt(source);
  expect(fmt(out)).toBe(out);
  const shared = sharedLines(source);
  expect(ast(out, shared)).toEqual(ast(source, shared));
  expect(comments(out)).toEqual(comments(source));
  expect(out.endsWith("\n") && !out.endsWith("\n\n")).toBe(true);
  expect(out).not.toMatch(/[ \t]+\n/);
  expect(out).not.toMatch(/\n\n\n/);
  return out;
}

describe("format", () => {
  it("lays out the DESIGN.md example canonically", () => {
    expect(checkFormat(FINANCE)).toBe(`policy finance {
  version "1.2.0"
  on violation kill // kill (default) | deny | stop

  type Currency = "USD" | "EUR"
  type Transfer = { amount: number, currency: Currency, to: string, memo?: string }
  type Finding = { title: string, sources: string[] max 20 }

  tool transfer(Transfer)
  tool search({ query: string })

  const blocked = ["acct-666", "acct-999"]

  @id("small-usd")
  allow tool transfer when args.amount <= 1000 and args.currency == "USD"
  allow tool transfer when agent.role == "treasurer" and args.amount <= 50000
  kill tool transfer when args.to in blocked
  stop tool transfer when args.amount > 50000 // pause the agent for human review
  allow tool search

  allow fs.read "/mem/**"
  allow fs.write "/mem/working/**" when args.size <= 1048576
  deny fs.read "/mem/semantic/secrets/**" // EPERM, agent may go on
  allow net.fetch "https://api.bank.example/**" when args.method == "POST"

  pipe findings: researcher -> writer carries Finding capacity 16
  allow pipe.send findings when agent.name == "researcher"
  allow pipe.recv findings when agent.name == "writer"

  limit tool transfer 10 per 1m
  assert never fs.write "/policy/**"
}
`);
  });

  it("normalizes spacing, keeps comments where they were and at most one blank line", () => {
    expect(checkFormat(TRICKY)).toBe(`// header comment

/* block
   header */
policy p { // after brace
  version "1" // v
  type T = { a: string, b?: number[] max 3, type: "x" | "y", }
  tool t(T)
  const xs = [1, -2, 3]

  @id("r1")
  allow tool t when args.a.startsWith("x") and not (args.b in 1..10) or args.c[0] >= -1
  @id("p:16")
  allow tool t
    // explain
    when any(x in xs: x == 1) /* inline */ and ip(args.a).inCidr("10.0.0.0/8")
  @id("p:19")
  deny fs.read "/x/**" when agent.labels["team"] != "a" and args.max.length < 3
  limit tool * 10 per 30s
  pipe q: a -> b carries { x: string } capacity 4
  assert never fs.write "/policy/**" when --1 < args.n

  // last
}
// trailer
`);
  });

  it("joins an item written over several lines onto one", () => {
    expect(fmt("policy p {\n  allow tool t\n    when a\n    and b\n}")).toBe("policy p {\n  allow tool t when a and b\n}\n");
  });

  it("formats an empty policy and a one-line policy", () => {
    expect(checkFormat("policy p {}")).toBe("policy p {\n}\n");
    // Two rules on one line share the id p:1, which the checker refuses (E0205); the layout gives each a line.
    expect(fmt("policy p { allow spawn deny signal }")).toBe("policy p {\n  allow spawn\n  deny signal\n}\n");
    // A rule the layout moves keeps the id of the line it was on.
    expect(checkFormat("policy p {\n  allow spawn\n\n\n\n  deny signal\n}")).toBe('policy p {\n  allow spawn\n\n  @id("p:6")\n  deny signal\n}\n');
  });

  it("keeps comments in odd places", () => {
    const src = "policy /* a */ p /* b */ { allow /* c */ tool /* d */ t(/* e */) // f\n/* g */ }\n/* h */ // i";
    const out = checkFormat(src.replace("t(/* e */)", "t when f(/* e */ 1)"));
    expect(out).toContain("/* e */");
  });

  it("keeps @id on the line above its rule, with any comment between them", () => {
    expect(checkFormat('policy p {\n@id("x")   // why\n// and more\n  allow spawn\n}')).toBe('policy p {\n  @id("x") // why\n  // and more\n  allow spawn\n}\n');
  });

  it("handles CRLF line endings", () => {
    expect(checkFormat("policy p {\r\n  allow spawn // x\r\n\r\n  deny signal\r\n}\r\n")).toBe("policy p {\n  allow spawn // x\n\n  deny signal\n}\n");
  });

  it("refuses sources with errors", () => {
    const r = format("policy p { alow spawn }", "t.acp");
    expect(r.output).toBeNull();
    expect(r.diagnostics.map((d) => d.code)).toEqual(["E0110"]);
    expect(format("policy a {}\npolicy b {}", "t.acp").output).toBeNull();
  });
});

// ---------- generated policies ----------

const name = fc.constantFrom("a", "b", "xs", "args", "agent", "target");
const field = fc.constantFrom("amount", "max", "type", "in", "length", "role");

const expr: fc.Arbitrary<string> = fc.letrec<{ e: string }>((tie) => ({
  e: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.oneof(fc.nat({ max: 99 }).map(String), fc.constantFrom('"s"', "true", "1.5", "2e3"), name),
    fc.tuple(tie("e"), field).map(([o, f]) => `${o}.${f}`),
    fc.tuple(tie("e"), field, fc.array(tie("e"), { maxLength: 2 })).map(([o, f, as]) => `${o}.${f}(${as.join(", ")})`),
    fc.tuple(tie("e"), tie("e")).map(([o, i]) => `${o}[${i}]`),
    fc.tuple(fc.constantFrom("and", "or", "==", "!=", "<", "<=", ">", ">=", "in"), tie("e"), tie("e")).map(([op, l, r]) => `(${l} ${op} ${r})`),
    fc.tuple(tie("e"), tie("e"), tie("e")).map(([x, lo, hi]) => `(${x} in ${lo}..${hi})`),
    // `not` binds looser than comparisons and `in`, so it needs parentheses as an operand
    tie("e").map((e) => `(not ${e})`),
    tie("e").map((e) => `-${e}`),
    fc.array(tie("e"), { maxLength: 3 }).map((xs) => `[${xs.join(", ")}]`),
    fc.tuple(fc.constantFrom("any", "all"), tie("e"), tie("e")).map(([q, l, b]) => `${q}(v in ${l}: ${b})`),
    fc.tuple(name, tie("e")).map(([f, a]) => `${f}(${a})`),
  ),
})).e;

const type: fc.Arbitrary<string> = fc.letrec<{ t: string }>((tie) => ({
  t: fc.oneof(
    { depthSize: "small" },
    fc.constantFrom("number", "string", "bool", '"lit"', "Other"),
    fc.tuple(tie("t"), tie("t")).map(([a, b]) => `${a} | ${b}`),
    fc.tuple(tie("t"), fc.option(fc.nat({ max: 9 }))).map(([t, m]) => `(${t})[]${m === null ? "" : ` max ${m}`}`),
    fc.array(fc.tuple(field, fc.boolean(), tie("t")), { maxLength: 3 }).map((fs) => `{ ${fs.map(([f, o, t]) => `${f}${o ? "?" : ""}: ${t}`).join(", ")} }`),
  ),
})).t;

const target = fc.constantFrom('fs.read "/a/**"', 'fs.write "/b"', "tool t", "tool *", 'net.fetch "https://x/**"', "pipe.send q", "pipe.recv q", "spawn", "signal", "checkpoint", "*");

const item = fc.oneof(
  fc.tuple(fc.option(fc.constantFrom('@id("r")')), fc.constantFrom("allow", "deny", "kill", "stop", "audit"), target, fc.option(expr)).map(
    ([id, eff, t, w]) => `${id ?? ""} ${eff} ${t}${w === null ? "" : ` when ${w}`}`,
  ),
  type.map((t) => `type T = ${t}`),
  type.map((t) => `tool t(${t})`),
  expr.map((e) => `const c = ${e}`),
  fc.tuple(type, fc.option(fc.nat({ max: 64 }))).map(([t, c]) => `pipe q: a -> b carries ${t}${c === null ? "" : ` capacity ${c}`}`),
  fc.tuple(target, fc.nat({ max: 9 }), fc.constantFrom("30s", "1m", "2h", "1d")).map(([t, n, d]) => `limit ${t} ${n} per ${d}`),
  fc.tuple(target, fc.option(expr)).map(([t, w]) => `assert never ${t}${w === null ? "" : ` when ${w}`}`),
);

/** Whitespace between tokens: spaces, line breaks, blank lines, and comments. */
const gap = fc.constantFrom(" ", "  ", "\n", "\n\n\n", "\t", " /* c */ ", " // note\n", "\n// own line\n");

/** Re-spaces a valid source with random gaps between its tokens. */
function respace(source: string, gaps: string[]): string {
  const toks = lex(source, "g.acp").tokens;
  return toks.map((t, i) => t.image + (gaps[i % Math.max(gaps.length, 1)] ?? " ")).join("");
}

describe("format on generated policies", () => {
  it("is idempotent, keeps the AST and every comment", () => {
    fc.assert(
      fc.property(fc.array(item, { maxLength: 6 }), fc.array(gap, { minLength: 1, maxLength: 20 }), (items, gaps) => {
        const canonical = `policy p {\n${items.map((i) => `  ${i}`).join("\n")}\n}\n`;
        checkFormat(canonical);
        checkFormat(respace(canonical, gaps));
      }),
      { numRuns: RUNS },
    );
  });
});
