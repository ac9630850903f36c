// The parser must never throw, must say why whenever it returns no policy, and must point every
// diagnostic at a real place in the text, whatever the input.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { parse } from "./index.js";
import { lex } from "./lexer.js";
import { format } from "../compiler/fmt.js";
import type { Policy } from "./ast.js";
import type { Diagnostic } from "./diagnostics.js";

const RUNS = Number(process.env.ACP_FUZZ_RUNS ?? 300);

// The example of DESIGN.md.
const FINANCE = readFileSync(new URL("./testdata/design-example.acp", import.meta.url), "utf8");

const WORDS = lex(FINANCE, "f.acp").tokens.map((t) => t.image);
/** Tokens worth inserting: the example's own, and a few that stress the lexer and recovery. */
const EXTRA = ["{", "}", "(", ")", "[", "]", "..", "-", "not", "in", "any", "all", "@", "*", "1e999", "5m", "1.5", '"\\q"', '"open', "/*", "*/", "#", "policy", "x", "1..10", "==", "<", "|", "?", ","];
const VOCAB = [...new Set([...WORDS, ...EXTRA])];

/** Line and column of an offset, counting line breaks as chevrotain does. */
function position(source: string, offset: number): { line: number; col: number } {
  const before = source.slice(0, offset);
  const breaks = [...before.matchAll(/\r\n|\r|\n/g)];
  const last = breaks[breaks.length - 1];
  const lineStart = last ? last.index + last[0].length : 0;
  return { line: breaks.length + 1, col: offset - lineStart + 1 };
}

function checkDiagnostic(source: string, d: Diagnostic): void {
  expect(d.code).toMatch(/^E0[12]\d\d$/);
  expect(d.message.length).toBeGreaterThan(0);
  const { span } = d;
  expect(span.offset).toBeGreaterThanOrEqual(0);
  expect(span.endOffset).toBeGreaterThanOrEqual(span.offset);
  expect(span.endOffset).toBeLessThanOrEqual(source.length);
  expect({ line: span.line, col: span.col }).toEqual(position(source, span.offset));
  expect({ line: span.endLine, col: span.endCol }).toEqual(position(source, span.endOffset));
}

/** Everything that must hold for any input. */
function checkParse(source: string): void {
  const r = parse(source, "fuzz.acp");
  const hasError = r.diagnostics.some((d) => d.severity === "error");
  expect(r.policy === null).toBe(hasError);
  for (const d of r.diagnostics) checkDiagnostic(source, d);
  const f = format(source, "fuzz.acp");
  expect(f.output === null).toBe(hasError);
  if (f.output !== null) {
    expect(format(f.output, "fuzz.acp").output).toBe(f.output);
    // fmt may pin a moved rule's implicit id (`@id("<policy>:<old line>")`): compare ids as decided.
    const shared = sharedLines(r.policy);
    expect(strip(withIds(parse(f.output, "fuzz.acp").policy, shared))).toEqual(strip(withIds(r.policy, shared)));
  }
}

/** Rules (by index) without @id that share their line with another: their ids clash (E0205) and
 * fmt gives each a line of its own, so their ids are not compared. */
function sharedLines(p: Policy | null): Set<number> {
  const onLine = new Map<number, number>();
  for (const r of p?.rules ?? []) if (r.id === null) onLine.set(r.span.line, (onLine.get(r.span.line) ?? 0) + 1);
  return new Set((p?.rules ?? []).flatMap((r, i) => (r.id === null && onLine.get(r.span.line)! > 1 ? [i] : [])));
}

/** Each rule's id as the checker gives it (its @id, or `<policy>:<line>`), but null for `skip`. */
function withIds(p: Policy | null, skip: Set<number>): Policy | null {
  if (!p) return p;
  return { ...p, rules: p.rules.map((r, i) => ({ ...r, id: skip.has(i) ? null : r.id ?? `${p.name}:${r.span.line}` })) };
}

function strip(v: unknown): unknown {
  return JSON.parse(JSON.stringify(v, (k, x) => (k === "span" || k === "idSpan" ? undefined : x)));
}

type Mutation = { op: "delete" | "insert" | "swap" | "duplicate"; i: number; j: number; word: string };

const mutation: fc.Arbitrary<Mutation> = fc.record({
  op: fc.constantFrom("delete", "insert", "swap", "duplicate"),
  i: fc.nat(),
  j: fc.nat(),
  word: fc.constantFrom(...VOCAB),
});

function mutate(words: string[], ms: Mutation[]): string[] {
  const out = [...words];
  for (const m of ms) {
    const i = m.i % (out.length + 1);
    const j = m.j % (out.length + 1);
    if (m.op === "insert") out.splice(i, 0, m.word);
    else if (out.length === 0) continue;
    else if (m.op === "delete") out.splice(i % out.length, 1);
    else if (m.op === "swap") {
      const a = i % out.length, b = j % out.length;
      [out[a], out[b]] = [out[b]!, out[a]!];
    } else out.splice(i, 0, ...out.slice(Math.min(i, j), Math.min(Math.max(i, j), Math.min(i, j) + 8)));
  }
  return out;
}

describe("parser fuzzing", () => {
  it("survives random text", () => {
    const alphabet = fc.constantFrom(..."policy{}()[]<>=!.-*@|?:,\"\\/ \n\r\tabcxyz0159emsd#é\u2028😀".split(""), "allow", "when", "..", "//", "/*", "*/");
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: alphabet, maxLength: 200 }), fc.string({ unit: "binary", maxLength: 200 })), (s) => checkParse(s)),
      { numRuns: RUNS },
    );
  });

  it("survives random text after a valid header", () => {
    const alphabet = fc.constantFrom(...VOCAB, " ", "\n");
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 60 }), (ws) => checkParse(`policy p {\n${ws.join(" ")}\n}\n`)),
      { numRuns: RUNS },
    );
  });

  it("survives deleted, inserted, swapped and duplicated tokens of the DESIGN.md example", () => {
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 6 }), fc.constantFrom(" ", "\n", " \n  "), (ms, sep) => {
        checkParse(mutate(WORDS, ms).join(sep));
      }),
      { numRuns: RUNS },
    );
  });

  it("reports each independently broken line once", () => {
    // Break some rule lines of the example beyond repair, leave the others: exactly one error per broken line.
    const lines = FINANCE.split("\n");
    const ruleLines = lines.map((l, i) => (/^\s*(allow|deny|kill|stop) /.test(l) ? i : -1)).filter((i) => i >= 0);
    fc.assert(
      fc.property(fc.subarray(ruleLines, { minLength: 1 }), (broken) => {
        const src = lines.map((l, i) => (broken.includes(i) ? l.replace(/(allow|deny|kill|stop)/, "alow") : l)).join("\n");
        const r = parse(src, "fuzz.acp");
        expect(r.policy).toBeNull();
        expect(r.diagnostics.map((d) => `${d.code}@${d.span.line}`)).toEqual(broken.map((i) => `E0110@${i + 1}`));
      }),
      { numRuns: Math.min(RUNS, 100) },
    );
  });
});
