import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { tokenMatcher } from "chevrotain";
import { parse } from "./index.js";
import { lex, DotDot, NumberTok, Duration, Max, KEYWORDS } from "./lexer.js";
import type { Expr, Policy, Rule, TypeExpr } from "./ast.js";

// The example of DESIGN.md, verbatim.
const FINANCE = readFileSync(new URL("./testdata/design-example.acp", import.meta.url), "utf8");

/** Drops spans so that shapes can be compared. */
function shape<T>(v: T): T {
  return JSON.parse(JSON.stringify(v, (k, x) => (k === "span" || k === "idSpan" ? undefined : x))) as T;
}

function ok(source: string): Policy {
  const r = parse(source, "t.acp");
  expect(r.diagnostics).toEqual([]);
  expect(r.policy).not.toBeNull();
  return r.policy!;
}

/** The AST (without spans) of one expression, parsed as a rule condition. */
function expr(text: string): Expr {
  return shape(ok(`policy p { allow * when ${text} }`).rules[0]!.when!);
}

function type(text: string): TypeExpr {
  return shape(ok(`policy p { type T = ${text} }`).types[0]!.type);
}

function errors(source: string) {
  const r = parse(source, "t.acp");
  expect(r.policy).toBeNull();
  return r.diagnostics.map((d) => ({ code: d.code, at: `${d.span.line}:${d.span.col}`, message: d.message }));
}

const id = (name: string) => ({ kind: "ident", name });
const num = (value: number) => ({ kind: "num", value });
const str = (value: string) => ({ kind: "str", value });
const member = (object: unknown, name: string) => ({ kind: "member", object, name });
const bin = (op: string, left: unknown, right: unknown) => ({ kind: "binary", op, left, right });

describe("the DESIGN.md example", () => {
  const p = ok(FINANCE);

  it("has every declaration", () => {
    expect(p.name).toBe("finance");
    expect(p.version).toBe("1.2.0");
    expect(p.onViolation).toBe("kill");
    expect(p.types.map((t) => t.name)).toEqual(["Currency", "Transfer", "Finding"]);
    expect(p.tools.map((t) => t.name)).toEqual(["transfer", "search"]);
    expect(p.consts.map((c) => c.name)).toEqual(["blocked"]);
    expect(p.rules).toHaveLength(11);
    expect(p.limits).toHaveLength(1);
    expect(p.asserts).toHaveLength(1);
  });

  it("builds types, pipes, limits and asserts", () => {
    expect(shape(p.types[2]!.type)).toEqual({
      kind: "record",
      fields: [
        { name: "title", optional: false, type: { kind: "prim", name: "string" } },
        { name: "sources", optional: false, type: { kind: "array", elem: { kind: "prim", name: "string" }, max: 20 } },
      ],
    });
    expect(shape(p.pipes[0])).toEqual({
      name: "findings", from: "researcher", to: "writer", carries: { kind: "ref", name: "Finding" }, capacity: 16,
    });
    expect(shape(p.limits[0])).toEqual({ target: { kind: "tool", name: "transfer" }, count: 10, window: "1m", windowMs: 60_000 });
    expect(shape(p.asserts[0])).toEqual({ target: { kind: "fs", op: "write", glob: "/policy/**" }, when: null });
  });

  it("builds rules with their ids, effects, targets and conditions", () => {
    const [first, , third] = p.rules as [Rule, Rule, Rule];
    expect(first.id).toBe("small-usd");
    expect(first.effect).toBe("allow");
    expect(shape(first.when)).toEqual(
      bin("and", bin("<=", member(id("args"), "amount"), num(1000)), bin("==", member(id("args"), "currency"), str("USD"))),
    );
    expect(p.rules[1]!.id).toBeNull();
    expect(shape(third)).toEqual({
      id: null, effect: "kill", target: { kind: "tool", name: "transfer" },
      when: { kind: "in", left: member(id("args"), "to"), right: id("blocked") },
    });
    expect(p.rules.map((r) => r.effect)).toEqual(["allow", "allow", "kill", "stop", "allow", "allow", "allow", "deny", "allow", "allow", "allow"]);
  });

  it("gives rules spans from the effect keyword to the end of the condition", () => {
    const lines = FINANCE.split("\n");
    const r = p.rules[0]!;
    expect(r.span.line).toBe(15);
    expect(r.span.col).toBe(3);
    expect(FINANCE.slice(r.span.offset, r.span.endOffset)).toBe(lines[14]!.trim());
    expect(r.idSpan).not.toBeNull();
    expect(FINANCE.slice(r.idSpan!.offset, r.idSpan!.endOffset)).toBe('@id("small-usd")');
    expect(r.idSpan!.line).toBe(14);
    const search = p.rules[4]!;
    expect(FINANCE.slice(search.span.offset, search.span.endOffset)).toBe("allow tool search");
    expect(search.span.endCol - search.span.col).toBe("allow tool search".length);
  });

  it("spans the policy from `policy` to its closing brace", () => {
    expect(p.span.offset).toBe(0);
    expect(FINANCE.slice(p.span.offset, p.span.endOffset).endsWith("}")).toBe(true);
    expect(p.span.endLine).toBe(32);
  });
});

describe("items", () => {
  it("reads on violation and defaults it to kill", () => {
    expect(ok("policy p { }").onViolation).toBe("kill");
    expect(ok("policy p { on violation deny }").onViolation).toBe("deny");
    expect(ok("policy p { on violation stop }").onViolation).toBe("stop");
    expect(ok("policy p { }").version).toBeNull();
  });

  it("reads every target", () => {
    const p = ok(`policy p {
      allow fs.read "/a" allow fs.write "/b" allow fs.list "/c" allow fs.delete "/d"
      allow tool t allow tool * allow net.fetch "https://x/**"
      allow pipe.send q allow pipe.recv q allow spawn allow signal allow checkpoint allow *
    }`);
    expect(p.rules.map((r) => shape(r.target))).toEqual([
      { kind: "fs", op: "read", glob: "/a" },
      { kind: "fs", op: "write", glob: "/b" },
      { kind: "fs", op: "list", glob: "/c" },
      { kind: "fs", op: "delete", glob: "/d" },
      { kind: "tool", name: "t" },
      { kind: "tool", name: "*" },
      { kind: "net", glob: "https://x/**" },
      { kind: "pipe", op: "send", name: "q" },
      { kind: "pipe", op: "recv", name: "q" },
      { kind: "spawn" },
      { kind: "signal" },
      { kind: "checkpoint" },
      { kind: "any" },
    ]);
  });

  it("reads every effect", () => {
    const p = ok("policy p { allow spawn deny spawn kill spawn stop spawn audit spawn }");
    expect(p.rules.map((r) => r.effect)).toEqual(["allow", "deny", "kill", "stop", "audit"]);
  });

  it("defaults pipe capacity to 16", () => {
    expect(ok("policy p { pipe q: a -> b carries string }").pipes[0]!.capacity).toBe(16);
    expect(ok("policy p { pipe q: a -> b carries string capacity 3 }").pipes[0]!.capacity).toBe(3);
  });

  it("computes limit windows", () => {
    const p = ok("policy p { limit spawn 1 per 30s limit * 2 per 5m limit signal 3 per 2h limit checkpoint 4 per 1d }");
    expect(p.limits.map((l) => [l.count, l.window, l.windowMs])).toEqual([
      [1, "30s", 30_000], [2, "5m", 300_000], [3, "2h", 7_200_000], [4, "1d", 86_400_000],
    ]);
  });

  it("stores non-integer counts as numbers for the checker to judge", () => {
    expect(ok("policy p { limit spawn 1.5 per 1s }").limits[0]!.count).toBe(1.5);
    expect(ok("policy p { pipe q: a -> b carries string capacity 0 }").pipes[0]!.capacity).toBe(0);
  });

  it("reads asserts with and without conditions, and consts of any expression", () => {
    const p = ok('policy p { assert never * when target == "x" assert never spawn const n = -3 const s = "a" const b = true }');
    expect(shape(p.asserts)).toEqual([
      { target: { kind: "any" }, when: bin("==", id("target"), str("x")) },
      { target: { kind: "spawn" }, when: null },
    ]);
    expect(shape(p.consts.map((c) => c.value))).toEqual([
      { kind: "unary", op: "-", operand: num(3) }, str("a"), { kind: "bool", value: true },
    ]);
  });

  it("lets contextual words be names", () => {
    const p = ok("policy fs { tool read(string) const id = 1 pipe spawn: net -> fetch carries string allow tool read when id == 1 }");
    expect(p.name).toBe("fs");
    expect(p.tools[0]!.name).toBe("read");
    expect(p.pipes[0]).toMatchObject({ name: "spawn", from: "net", to: "fetch" });
  });
});

describe("types", () => {
  it("reads primitives, literals, refs and unions", () => {
    expect(type("number")).toEqual({ kind: "prim", name: "number" });
    expect(type("bool")).toEqual({ kind: "prim", name: "bool" });
    expect(type("Other")).toEqual({ kind: "ref", name: "Other" });
    expect(type('"a" | "b" | "c"')).toEqual({ kind: "union", members: [{ kind: "lit", value: "a" }, { kind: "lit", value: "b" }, { kind: "lit", value: "c" }] });
  });

  it("reads arrays with and without max, nested and parenthesized", () => {
    expect(type("string[]")).toEqual({ kind: "array", elem: { kind: "prim", name: "string" }, max: null });
    expect(type("string[] max 5[]")).toEqual({
      kind: "array", elem: { kind: "array", elem: { kind: "prim", name: "string" }, max: 5 }, max: null,
    });
    expect(type('("a" | "b")[] max 2')).toEqual({
      kind: "array", elem: { kind: "union", members: [{ kind: "lit", value: "a" }, { kind: "lit", value: "b" }] }, max: 2,
    });
  });

  it("reads records with optional fields, keyword field names and a trailing comma", () => {
    expect(type("{ type: string, max?: number, in: { all: bool }, }")).toEqual({
      kind: "record",
      fields: [
        { name: "type", optional: false, type: { kind: "prim", name: "string" } },
        { name: "max", optional: true, type: { kind: "prim", name: "number" } },
        { name: "in", optional: false, type: { kind: "record", fields: [{ name: "all", optional: false, type: { kind: "prim", name: "bool" } }] } },
      ],
    });
    expect(type("{}")).toEqual({ kind: "record", fields: [] });
  });

  it("spans a type over its text, parentheses included", () => {
    const src = 'policy p { type T = ("a" | "b")[] max 2 }';
    const t = ok(src).types[0]!.type;
    expect(src.slice(t.span.offset, t.span.endOffset)).toBe('("a" | "b")[] max 2');
  });
});

describe("expressions", () => {
  it("binds or loosest, then and, then not, then comparisons", () => {
    expect(expr("a or b and c")).toEqual(bin("or", id("a"), bin("and", id("b"), id("c"))));
    expect(expr("a and b or c")).toEqual(bin("or", bin("and", id("a"), id("b")), id("c")));
    expect(expr("not a == b")).toEqual({ kind: "unary", op: "not", operand: bin("==", id("a"), id("b")) });
    expect(expr("not not a")).toEqual({ kind: "unary", op: "not", operand: { kind: "unary", op: "not", operand: id("a") } });
    expect(expr("not a and b")).toEqual(bin("and", { kind: "unary", op: "not", operand: id("a") }, id("b")));
    expect(expr("(a or b) and c")).toEqual(bin("and", bin("or", id("a"), id("b")), id("c")));
  });

  it("associates and/or to the left", () => {
    expect(expr("a and b and c")).toEqual(bin("and", bin("and", id("a"), id("b")), id("c")));
    expect(expr("a or b or c")).toEqual(bin("or", bin("or", id("a"), id("b")), id("c")));
  });

  it("reads every comparison", () => {
    for (const op of ["==", "!=", "<", "<=", ">", ">="]) expect(expr(`a ${op} 1`)).toEqual(bin(op, id("a"), num(1)));
  });

  it("binds unary minus tighter than comparisons and looser than member access", () => {
    expect(expr("-a.b < -1")).toEqual(bin("<", { kind: "unary", op: "-", operand: member(id("a"), "b") }, { kind: "unary", op: "-", operand: num(1) }));
    expect(expr("--1 == 1")).toEqual(bin("==", { kind: "unary", op: "-", operand: { kind: "unary", op: "-", operand: num(1) } }, num(1)));
  });

  it("reads in with lists, names and inclusive ranges", () => {
    expect(expr("x in 1..10")).toEqual({ kind: "in", left: id("x"), right: { kind: "range", lo: num(1), hi: num(10) } });
    expect(expr("x in -5..args.n")).toEqual({
      kind: "in", left: id("x"), right: { kind: "range", lo: { kind: "unary", op: "-", operand: num(5) }, hi: member(id("args"), "n") },
    });
    expect(expr('x in ["a", "b"]')).toEqual({ kind: "in", left: id("x"), right: { kind: "list", items: [str("a"), str("b")] } });
    expect(expr("x in xs")).toEqual({ kind: "in", left: id("x"), right: id("xs") });
    // A range elsewhere parses, so that the checker can report it (E0308).
    expect(expr("x == 1..3")).toEqual(bin("==", id("x"), { kind: "range", lo: num(1), hi: num(3) }));
    expect(expr("not x in xs")).toEqual({ kind: "unary", op: "not", operand: { kind: "in", left: id("x"), right: id("xs") } });
  });

  it("reads member access, method calls, index and free calls", () => {
    expect(expr('agent.labels["team"] == "a"')).toEqual(bin("==", { kind: "index", object: member(id("agent"), "labels"), index: str("team") }, str("a")));
    expect(expr('ip(args.host).inCidr("10.0.0.0/8")')).toEqual({
      kind: "call", receiver: { kind: "fn", name: "ip", args: [member(id("args"), "host")] }, name: "inCidr", args: [str("10.0.0.0/8")],
    });
    expect(expr("s.lower().startsWith(t, u)")).toEqual({
      kind: "call", receiver: { kind: "call", receiver: id("s"), name: "lower", args: [] }, name: "startsWith", args: [id("t"), id("u")],
    });
    expect(expr("xs.length > 0")).toEqual(bin(">", member(id("xs"), "length"), num(0)));
    expect(expr("a.b[0].c")).toEqual(member({ kind: "index", object: member(id("a"), "b"), index: num(0) }, "c"));
  });

  it("accepts keywords after a dot", () => {
    expect(expr("args.max == args.type")).toEqual(bin("==", member(id("args"), "max"), member(id("args"), "type")));
    expect(expr("args.in.all(x)")).toEqual({ kind: "call", receiver: member(id("args"), "in"), name: "all", args: [id("x")] });
  });

  it("reads quantifiers", () => {
    expect(expr("any(x in xs: x == 1) and all(y in [1, 2]: y > 0)")).toEqual(
      bin(
        "and",
        { kind: "quant", quant: "any", variable: "x", list: id("xs"), body: bin("==", id("x"), num(1)) },
        { kind: "quant", quant: "all", variable: "y", list: { kind: "list", items: [num(1), num(2)] }, body: bin(">", id("y"), num(0)) },
      ),
    );
  });

  it("reads number and string literals", () => {
    expect(expr("x == 1e3")).toEqual(bin("==", id("x"), num(1000)));
    expect(expr("x == 2.5E-2")).toEqual(bin("==", id("x"), num(0.025)));
    expect(expr("x == 1.5")).toEqual(bin("==", id("x"), num(1.5)));
    expect(expr(String.raw`x == "q\"\\\/\b\f\n\r\t\u00e9"`)).toEqual(bin("==", id("x"), str('q"\\/\b\f\n\r\té')));
    expect(expr("true != false")).toEqual(bin("!=", { kind: "bool", value: true }, { kind: "bool", value: false }));
    expect(expr("[] == []")).toEqual(bin("==", { kind: "list", items: [] }, { kind: "list", items: [] }));
  });

  it("spans every expression over exactly its text", () => {
    const text = 'not (a.b[0] in 1..10) or ip(x).inCidr("1.0.0.0/8") and any(v in vs: -v >= 2)';
    const src = `policy p {\n  allow * when ${text}\n}`;
    const seen: string[] = [];
    const walk = (e: Expr): void => {
      seen.push(src.slice(e.span.offset, e.span.endOffset));
      expect(e.span.line).toBe(2);
      expect(e.span.endCol - e.span.col).toBe(e.span.endOffset - e.span.offset);
      for (const v of Object.values(e)) {
        if (Array.isArray(v)) v.forEach((x) => x && typeof x === "object" && "kind" in x && walk(x as Expr));
        else if (v && typeof v === "object" && "kind" in v) walk(v as Expr);
      }
    };
    walk(ok(src).rules[0]!.when!);
    expect(seen).toEqual([
      text,
      "not (a.b[0] in 1..10)",
      "(a.b[0] in 1..10)",
      "a.b[0]",
      "a.b",
      "a",
      "0",
      "1..10",
      "1",
      "10",
      'ip(x).inCidr("1.0.0.0/8") and any(v in vs: -v >= 2)',
      'ip(x).inCidr("1.0.0.0/8")',
      "ip(x)",
      "x",
      '"1.0.0.0/8"',
      "any(v in vs: -v >= 2)",
      "vs",
      "-v >= 2",
      "-v",
      "v",
      "2",
    ]);
  });
});

describe("lexing", () => {
  it("lexes 1..10 as number, range, number", () => {
    const { tokens, diagnostics } = lex("1..10", "t.acp");
    expect(diagnostics).toEqual([]);
    expect(tokens.map((t) => t.image)).toEqual(["1", "..", "10"]);
    expect(tokenMatcher(tokens[0]!, NumberTok)).toBe(true);
    expect(tokenMatcher(tokens[1]!, DotDot)).toBe(true);
  });

  it("lexes durations only as whole words", () => {
    const { tokens } = lex("30s 1m 1min max", "t.acp");
    expect(tokens.map((t) => tokenMatcher(t, Duration))).toEqual([true, true, false, false]);
    expect(tokenMatcher(tokens[3]!, Max)).toBe(true);
  });

  it("keeps comments apart for the formatter", () => {
    const { tokens, comments } = lex("a // one\n/* two\n */ b", "t.acp");
    expect(tokens.map((t) => t.image)).toEqual(["a", "b"]);
    expect(comments.map((t) => t.image)).toEqual(["// one", "/* two\n */"]);
  });
});

describe("errors", () => {
  it("reports every broken rule in one run, each where it is", () => {
    const src = `policy p {
  tool t({ a: number })
  alow tool t when args.a < 5
  allow tool t when args.a <
  allow fs.reed "/x/**"
  allow spawn
}`;
    expect(errors(src)).toEqual([
      { code: "E0110", at: "3:3", message: 'expected an effect (allow, deny, kill, stop, audit) or a declaration, found "alow"' },
      { code: "E0110", at: "4:29", message: 'expected an expression, found "allow"' },
      { code: "E0110", at: "5:12", message: 'expected "read", "write", "list" or "delete", found "reed"' },
    ]);
  });

  it("reports errors on every line of a multi-line item and after it", () => {
    const src = `policy p {
  type T = {
    a: string
    b: number
  }
  allow tool t when (a
  allow x
  type U = { a: }
}`;
    expect(errors(src).map((e) => `${e.at} ${e.message}`)).toEqual([
      '4:5 expected "," or "}", found "b"',
      '6:23 expected ")", found "allow"',
      "7:9 expected a target (fs.read, fs.write, fs.list, fs.delete, net.fetch, tool, pipe.send, pipe.recv, spawn, signal, checkpoint or *), found \"x\"",
      '8:17 expected a type, found "}"',
    ]);
  });

  it("rejects chained comparisons", () => {
    expect(errors("policy p { allow * when 1 < 2 < 3 }")).toEqual([
      { code: "E0110", at: "1:31", message: 'comparisons do not chain: found "<" after a comparison; combine comparisons with "and"' },
    ]);
    expect(errors("policy p { allow * when a == b in c }").map((e) => e.at)).toEqual(["1:32"]);
    expect(errors("policy p { allow * when a in 1..2..3 }")).toMatchObject([{ code: "E0110", at: "1:34" }]);
  });

  it("reports a missing brace at the end of the file and a missing header", () => {
    expect(errors("policy p {\n  allow spawn\n")).toEqual([{ code: "E0110", at: "2:14", message: 'expected "}", found end of file' }]);
    expect(errors("")).toEqual([{ code: "E0110", at: "1:1", message: 'expected "policy", found end of file' }]);
    expect(errors("allow spawn")[0]!.message).toBe('expected "policy", found "allow"');
    expect(errors("policy p { } extra")).toEqual([{ code: "E0110", at: "1:14", message: 'expected end of file after the policy, found "extra"' }]);
  });

  it("reports a second policy (E0122)", () => {
    expect(errors("policy a { }\npolicy b { }")).toEqual([
      { code: "E0122", at: "2:1", message: "more than one policy in a file: put each policy in its own file" },
    ]);
  });

  it("reports repeated settings (E0210)", () => {
    expect(errors('policy p { version "1" on violation deny version "2" on violation stop }').map((e) => `${e.code} ${e.at}`)).toEqual([
      "E0210 1:42",
      "E0210 1:54",
    ]);
  });

  it("reports each lexical error with its code", () => {
    expect(errors("policy p { allow spawn # x\n}")).toEqual([{ code: "E0101", at: "1:24", message: 'unexpected character "#"' }]);
    expect(errors('policy p { version "1.0\n}')).toMatchObject([{ code: "E0102", at: "1:20" }]);
    expect(errors(String.raw`policy p { version "a\qb\u12" }`)).toMatchObject([
      { code: "E0103", at: "1:22", message: String.raw`invalid escape "\q" in string: use \" \\ \/ \b \f \n \r \t or \uXXXX` },
      { code: "E0103", at: "1:25" },
    ]);
    expect(errors("policy p { allow * }\n/* never closed")).toMatchObject([{ code: "E0104", at: "2:1" }]);
    expect(errors("policy p {\n/* never closed\n allow *")).toMatchObject([{ code: "E0104", at: "2:1" }]);
  });

  it("reports bad numbers (E0120) and bad durations (E0121)", () => {
    expect(errors("policy p { allow * when a < 1e999 }")).toMatchObject([{ code: "E0120", at: "1:29" }]);
    expect(errors("policy p { allow * when a < 12abc }")).toMatchObject([{ code: "E0120", message: 'invalid number "12abc"' }]);
    expect(errors("policy p { allow * when a < 5m }")).toMatchObject([{ code: "E0120", message: 'invalid number "5m": durations are only allowed after "per"' }]);
    for (const d of ["60", "1.5m", "10ms", "1w"]) {
      expect(errors(`policy p { limit * 1 per ${d} }`)).toMatchObject([{ code: "E0121", at: "1:26" }]);
    }
  });

  it("returns no policy and never throws on garbage", () => {
    for (const src of ["}", "{", "policy", "policy p", "policy p {", '"', "/*", "@", "policy p { @id( }", "policy p { type T = { a: [ } }"]) {
      const r = parse(src, "t.acp");
      expect(r.policy).toBeNull();
      expect(r.diagnostics.length).toBeGreaterThan(0);
      for (const d of r.diagnostics) expect(d.span.line).toBeGreaterThanOrEqual(1);
    }
  });
});

describe("grammar files", () => {
  it("lists every keyword in the EBNF", () => {
    const ebnf = readFileSync(new URL("./acp.ebnf", import.meta.url), "utf8");
    const production = /KEYWORD\s+=([^;]*);/.exec(ebnf)![1]!;
    expect([...production.matchAll(/"(\w+)"/g)].map((m) => m[1]).sort()).toEqual([...KEYWORDS].sort());
  });

  it("ships a TextMate grammar whose patterns compile", () => {
    const g = JSON.parse(readFileSync(new URL("./acp.tmLanguage.json", import.meta.url), "utf8")) as Record<string, unknown>;
    expect(g["scopeName"]).toBe("source.acp");
    const patterns: string[] = [];
    const walk = (o: unknown): void => {
      if (!o || typeof o !== "object") return;
      for (const [k, v] of Object.entries(o)) {
        if ((k === "match" || k === "begin" || k === "end") && typeof v === "string") patterns.push(v);
        else walk(v);
      }
    };
    walk(g);
    expect(patterns.length).toBeGreaterThan(20);
    for (const p of patterns) expect(() => new RegExp(p)).not.toThrow();
  });
});
