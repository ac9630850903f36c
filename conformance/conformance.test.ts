// The language conformance suite and the policy packs, each case decided by both the reference
// interpreter and the compiled WASM module. Cases are data: adding one needs no code here.
import { describe, expect, it } from "vitest";
import { countCases, findCaseFiles, runCaseFile } from "../compiler/cli/case-runner.js";
import { fileURLToPath } from "node:url";
import { dirname, join, relative } from "node:path";
import { readFileSync, readdirSync } from "node:fs";
import { format } from "../compiler/fmt.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const files = findCaseFiles([join(root, "conformance/language"), join(root, "policies")]);

describe("conformance case files", () => {
  it("ships its policy packs in the canonical layout (`acpc fmt --check policies`)", () => {
    const packs = readdirSync(join(root, "policies")).map((d) => join(root, "policies", d, `${d}.acp`));
    for (const f of packs) {
      const src = readFileSync(f, "utf8");
      expect(format(src, f).output, relative(root, f)).toBe(src);
    }
  });

  it("has at least 300 language cases", () => {
    const language = files.filter((f) => f.includes(join("conformance", "language")));
    expect(language.reduce((n, f) => n + countCases(f), 0)).toBeGreaterThanOrEqual(300);
  });

  for (const f of files) {
    it(relative(root, f), async () => {
      const results = await runCaseFile(f);
      const failures = results.filter((r) => !r.ok).map((r) => `${r.name}: ${r.message}`);
      expect(failures).toEqual([]);
    });
  }
});
