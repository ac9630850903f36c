// The language features in-process, on every offset of texts mangled as typing mangles them:
// none may throw, whatever the text (the server guards its handlers too, but a throw there is a
// feature that silently stops working).
import { readFileSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { analyze } from "./analysis.js";
import { completeAt } from "./completion.js";
import { hoverAt } from "./hover.js";
import { renameEdits } from "./rename.js";
import { occurrenceAt } from "./symbols.js";

const POLICIES = resolve(import.meta.dirname, "../../policies");
const packs = readdirSync(POLICIES).map((d) => readFileSync(join(POLICIES, d, `${d}.acp`), "utf8"));
const RUNS = Number(process.env.ACP_FUZZ_RUNS ?? 40);

function everyFeatureEverywhere(text: string, step: number): void {
  const a = analyze(text, "fuzz.acp");
  expect(a.internalError).toBeNull();
  for (let o = 0; o <= text.length; o += step) {
    hoverAt(a, o);
    completeAt(a, o);
    if (a.index) occurrenceAt(a.index, o);
    renameEdits(a, o, "Renamed");
  }
}

describe("language features on broken text", () => {
  it("answer on every offset of every policy pack", () => {
    for (const p of packs) everyFeatureEverywhere(p, 1);
  });

  it("answer on packs cut, spliced and sprinkled with tokens", () => {
    const junk = fc.constantFrom("{", "}", "(", ")", "[", "]", ".", ",", ":", "\"", "/*", "//", "@id(", "when", "args.", "tool", "pipe.send", "type T =", "..", "-", "\n", "\u0000", "é", "😀");
    fc.assert(fc.property(
      fc.nat(packs.length - 1), fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.nat(40), fc.array(junk, { maxLength: 3 })), { minLength: 1, maxLength: 4 }),
      (which, edits) => {
        let text = packs[which]!;
        for (const [where, cut, insert] of edits) {
          const at = Math.floor(where * text.length);
          text = text.slice(0, at) + insert.join(" ") + text.slice(at + cut);
        }
        everyFeatureEverywhere(text, 7);
      },
    ), { numRuns: RUNS });
  });
});

describe("the symbol index of the packs", () => {
  it("sends every use to a declaration of the same name, and finds every declared tool, pipe and type used", () => {
    for (const text of packs) {
      const a = analyze(text, "pack.acp");
      const slice = (s: { offset: number; endOffset: number }) => text.slice(s.offset, s.endOffset);
      for (const s of a.index!.symbols) {
        if (s.kind === "rule") continue;
        expect(slice(s.def)).toBe(s.name);
        for (const r of s.refs) expect(slice(r)).toBe(s.name);
      }
      for (const t of a.ast!.rules.map((r) => r.target)) {
        if ((t.kind === "tool" && t.name !== "*") || t.kind === "pipe") {
          const s = a.index!.symbols.find((x) => x.kind === (t.kind === "tool" ? "tool" : "pipe") && x.name === t.name)!;
          expect(s.refs.some((r) => r.endOffset === t.span.endOffset)).toBe(true);
        }
      }
    }
  });

  it("reads CRLF text at the same places as LF text", () => {
    const lf = packs[0]!, crlf = lf.replace(/\n/g, "\r\n");
    const a = analyze(lf, "lf.acp"), b = analyze(crlf, "crlf.acp");
    const lines = (text: string, offsets: number[]) => offsets.map((o) => text.slice(0, o).split(/\r?\n/).length);
    expect(lines(crlf, b.index!.occurrences.map((o) => o.span.offset))).toEqual(lines(lf, a.index!.occurrences.map((o) => o.span.offset)));
    expect(b.diagnostics).toEqual([]);
  });
});
