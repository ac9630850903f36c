// The bootstrap an isolate compiles is the readable source, minified: bootstrap.min.ts is made by
// `npm run gen:bootstrap`, and this fails when an edit of bootstrap.ts was not carried over.
import { transformSync } from "esbuild";
import { describe, expect, it } from "vitest";
import { BOOTSTRAP, BOOTSTRAP_SOURCE } from "./bootstrap.js";

describe("bootstrap", () => {
  it("is esbuild's minification of the readable source (run `npm run gen:bootstrap` after editing bootstrap.ts)", () => {
    expect(BOOTSTRAP).toBe(transformSync(BOOTSTRAP_SOURCE, { minify: true, loader: "js" }).code);
    expect(BOOTSTRAP.length).toBeLessThan(BOOTSTRAP_SOURCE.length / 2);
  });
});
