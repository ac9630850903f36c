// The direct writers for syscall and complete records give byte for byte the line of the generic
// canonical walk (which is what verify checks every line against).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { genericLine, recordLine } from "./line.js";
import { completeBody, syscallBody } from "./record-bodies.js";

const str = fc.oneof(fc.string(), fc.string({ unit: "grapheme" }), fc.constantFrom("", "\"", "\\", "\u2028", "\ud800", "é", "/mem/a b"));
const agent = fc.record({ id: str, name: str, tenant: str, role: fc.option(str, { nil: undefined }), labels: fc.option(fc.dictionary(str, str), { nil: undefined }) }, { requiredKeys: ["id", "name", "tenant"] });
const decision = fc.record({ effect: fc.constantFrom("allow", "deny", "kill", "stop"), rule: fc.option(str, { nil: null }), audit: fc.array(str, { maxLength: 3 }) });
const outcome = fc.option(fc.record({ ok: fc.boolean(), errno: fc.option(str, { nil: null }), answer: fc.option(str, { nil: undefined }) }, { requiredKeys: ["ok"] }), { nil: undefined });
const header = fc.record({ seq: fc.nat(), ts: fc.integer({ min: 0, max: 2 ** 50 }) });
// Targets and args around the 4 KiB caps, in one- and three-byte characters.
const target = fc.oneof(str, fc.constantFrom("/m/" + "a".repeat(5000), "/m/" + "€".repeat(1400), "/m/" + "😀".repeat(1100)));
const args = fc.option(fc.oneof(fc.jsonValue(), fc.constantFrom({ memo: "x".repeat(5000) }, { memo: "€".repeat(1500) })), { nil: undefined });

describe("recordLine", () => {
  it("writes syscall records exactly as the generic walk does, answered or not, capped or not", () => {
    const shadow = fc.option(fc.record({ effect: fc.constantFrom("allow", "deny", "kill", "stop"), rule: fc.option(str, { nil: null }) }), { nil: undefined });
    fc.assert(fc.property(agent, str, target, args, decision, outcome, fc.option(fc.nat(), { nil: undefined }), shadow, header, (a, syscall, t, x, d, o, within, sh, h) => {
      const body = syscallBody({ agent: a, syscall, target: t, args: x, decision: d as never, outcome: o, within, shadow: sh as never });
      expect(recordLine(body, h.seq, h.ts)).toBe(genericLine(body, h.seq, h.ts));
    }), { numRuns: 400 });
  });

  it("stays exact when one agent's records repeat (its prefix is reused)", () => {
    const frozen = Object.freeze({ id: "a1", name: "reader", tenant: "t", role: "agent", labels: Object.freeze({ team: "x" }) });
    fc.assert(fc.property(fc.array(fc.record({ t: fc.constantFrom("/mem/a", "/mem/b"), d: decision, o: outcome }), { minLength: 1, maxLength: 12 }), header, (calls, h) => {
      for (const [i, k] of calls.entries()) {
        const body = syscallBody({ agent: frozen, syscall: "fs.read", target: k.t, decision: k.d as never, outcome: k.o });
        expect(recordLine(body, h.seq + i, h.ts)).toBe(genericLine(body, h.seq + i, h.ts));
      }
    }), { numRuns: 200 });
  });

  it("writes complete records exactly as the generic walk does", () => {
    fc.assert(fc.property(fc.nat(), fc.boolean(), fc.option(str, { nil: null }), fc.option(str, { nil: undefined }), fc.double({ min: 0, max: 1e9, noNaN: true }), header, (of, ok, errno, answer, durationMs, h) => {
      const body = completeBody({ of, ok, errno, answer, durationMs });
      expect(recordLine(body, h.seq, h.ts)).toBe(genericLine(body, h.seq, h.ts));
    }), { numRuns: 300 });
  });

  it("keeps at most 4 KiB of a target and of args, with the whole one's length and digest", () => {
    const long = "/mem/" + "€".repeat(3000);
    const body = syscallBody({ agent: { id: "a", name: "a", tenant: "" }, syscall: "fs.read", target: long, args: { memo: "y".repeat(9000) }, decision: { effect: "deny", rule: null, audit: [] } });
    expect(Buffer.byteLength(body.target)).toBeLessThanOrEqual(4096);
    expect(long.startsWith(body.target)).toBe(true);
    expect(body.targetBytes).toBe(Buffer.byteLength(long));
    expect(body).toMatchObject({ argsBytes: 9011 });
    expect(body.args).toBeUndefined();
    expect(recordLine(body, 0, 0).length).toBeLessThan(4096 + 400);
  });
});
