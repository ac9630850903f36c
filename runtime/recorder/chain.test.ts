// The direct writers for syscall and complete records give byte-for-byte the line and hash of the
// generic canonical walk (which is what verify recomputes).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { linkGeneric, linkRecord } from "./chain.js";
import { completeBody, syscallBody } from "./record-bodies.js";

const str = fc.oneof(fc.string(), fc.string({ unit: "grapheme" }), fc.constantFrom("", "\"", "\\", "\u2028", "\ud800", "é", "/mem/a b"));
const agent = fc.record({ id: str, name: str, tenant: str, role: fc.option(str, { nil: undefined }), labels: fc.option(fc.dictionary(str, str), { nil: undefined }) }, { requiredKeys: ["id", "name", "tenant"] });
const decision = fc.record({ effect: fc.constantFrom("allow", "deny", "kill", "stop"), rule: fc.option(str, { nil: null }), audit: fc.array(str, { maxLength: 3 }) });
const chain = fc.record({ seq: fc.nat(), ts: fc.integer({ min: 0, max: 2 ** 50 }), prev: fc.stringMatching(/^[0-9a-f]{64}$/) });

describe("linkRecord", () => {
  it("writes syscall records exactly as the generic walk does", () => {
    fc.assert(fc.property(agent, str, str, fc.option(fc.jsonValue(), { nil: undefined }), decision, fc.option(str, { nil: null }), chain, (a, syscall, target, args, d, policyHash, c) => {
      const body = syscallBody({ agent: a, syscall, target, args, decision: d as never, policyHash });
      expect(linkRecord(body, c.seq, c.ts, c.prev)).toEqual(linkGeneric(body, c.seq, c.ts, c.prev));
    }), { numRuns: 300 });
  });

  it("stays exact when one agent's records repeat (its texts are reused)", () => {
    // The kernel names an agent by one frozen object; the writer keeps texts per such agent.
    const frozen = Object.freeze({ id: "a1", name: "reader", tenant: "t", role: "agent", labels: Object.freeze({ team: "x" }) });
    const call = fc.record({ target: fc.constantFrom("/mem/a", "/mem/b"), args: fc.option(fc.constantFrom({ n: 1 }, "x", null), { nil: undefined }), d: decision });
    fc.assert(fc.property(fc.array(call, { minLength: 1, maxLength: 12 }), chain, (calls, c) => {
      for (const [i, k] of calls.entries()) {
        const body = syscallBody({ agent: frozen, syscall: "fs.read", target: k.target, args: k.args, decision: k.d as never, policyHash: "ab".repeat(32) });
        expect(linkRecord(body, c.seq + i, c.ts, c.prev)).toEqual(linkGeneric(body, c.seq + i, c.ts, c.prev));
      }
    }), { numRuns: 200 });
  });

  it("writes complete records exactly as the generic walk does", () => {
    fc.assert(fc.property(fc.nat(), fc.boolean(), fc.option(str, { nil: null }), fc.jsonValue(), fc.double({ min: 0, max: 1e9, noNaN: true }), chain, (of, ok, errno, result, durationMs, c) => {
      const body = completeBody({ of, ok, errno, result, durationMs });
      expect(linkRecord(body, c.seq, c.ts, c.prev)).toEqual(linkGeneric(body, c.seq, c.ts, c.prev));
    }), { numRuns: 300 });
  });
});
