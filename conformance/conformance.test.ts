// The language conformance suite and the policy packs, each case decided by both the reference
// interpreter and the compiled WASM module. Cases are data: adding one needs no code here.
import { describe, expect, it } from "vitest";
import { countCases, findCaseFiles, runCaseFile } from "./runner.js";
import { fileURLToPath } from "node:url";
import { dirname, join, relative } from "node:path";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const files = findCaseFiles([join(root, "conformance/language"), join(root, "policies")]);

describe("conformance case files", () => {
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
