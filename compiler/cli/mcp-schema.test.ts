// `acpc mcp schema`'s translation of JSON Schema: what .acp can say is declared, what it cannot is
// left out with a comment, and the result always compiles.
import { describe, expect, it } from "vitest";
import { compile } from "../compile.js";
import { hasErrors } from "../../grammar/diagnostics.js";
import { schemaPolicy } from "./mcp-schema.js";

describe("schemaPolicy", () => {
  it("declares what .acp types can say, leaves out the rest with a reason, and compiles", () => {
    const src = schemaPolicy({ name: "@acme/tools", version: "1.2.3" }, [
      { name: "pay", description: "Pay\nsomeone", inputSchema: { type: "object", required: ["amount", "to"], properties: {
        amount: { type: "integer" }, to: { type: "string" }, currency: { type: "string", enum: ["USD", "EUR"] },
        memo: { anyOf: [{ type: "string" }, { type: "null" }] }, tags: { type: "array", items: { type: "string" }, maxItems: 5 },
        mode: { anyOf: [{ const: "fast" }, { const: "slow" }] },
        extra: { type: "object", additionalProperties: true }, "x-trace": { type: "string" }, either: { type: ["string", "number"] },
      } } },
      { name: "get-sum", inputSchema: { type: "object", properties: { a: { type: "number" } } } },
      { name: "get_sum", inputSchema: { type: "object" } },
      { name: "type", inputSchema: { type: "object" } },
    ]);
    expect(src).toContain("policy acme_tools {");
    expect(src).toContain('tool pay({ amount: number, to: string, currency?: "USD" | "EUR", memo?: string, tags?: string[] max 5, mode?: "fast" | "slow", extra?: {} })');
    expect(src).toContain("// x-trace left out: not an .acp field name; a call that passes it is refused");
    expect(src).toContain("// either left out: one of string, number");
    expect(src).toContain("tool get_sum({ a?: number })");
    expect(src).toContain("also get-sum's");
    expect(src).toContain("tool type_({})");
    const r = compile(src, { filename: "gen.acp" });
    expect(hasErrors(r.diagnostics)).toBe(false);
    expect(r.manifest!.tools.map((t) => t.name)).toEqual(["pay", "get_sum", "type_"]);
  });
});
