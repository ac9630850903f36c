// The direct byte writer of a syscall record gives the general writer's line byte for byte, and is
// the one taken for a kernel's everyday read.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { recordLine } from "./line.js";
import { writeSyscallLine } from "./line-bytes.js";
import { syscallBody, type SyscallInput } from "./record-bodies.js";
import { MemorySink } from "./sink.js";

const ascii = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)) });
const str = fc.oneof({ arbitrary: ascii, weight: 12 }, { arbitrary: fc.string(), weight: 1 }, { arbitrary: fc.constantFrom("", "\"", "\\", "\n", "\u007f", "\u2028", "\ud800", "é", "/mem/a b"), weight: 1 });
const agent = fc.record({ id: str, name: str, tenant: str, role: fc.option(str, { nil: undefined }), labels: fc.option(fc.dictionary(str, str, { maxKeys: 3 }), { nil: undefined }) }, { requiredKeys: ["id", "name", "tenant"] })
  .chain((a) => fc.boolean().map((frozen) => (frozen ? Object.freeze({ ...a, ...(a.labels ? { labels: Object.freeze(a.labels) } : {}) }) : a)));
const decision = fc.record({ effect: fc.constantFrom("allow", "deny", "kill", "stop"), rule: fc.option(str, { nil: null }), audit: fc.array(str, { maxLength: 3 }) });
const outcome = fc.option(fc.record({ ok: fc.boolean(), errno: fc.option(str, { nil: null }), answer: fc.option(str, { nil: undefined }) }, { requiredKeys: ["ok"] }), { nil: undefined });
const target = fc.oneof(str, fc.constantFrom("/mem/" + "a".repeat(1360), "/mem/" + "a".repeat(1361), "/m/" + "a".repeat(5000)));
const args = fc.option(fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constantFrom({ memo: "x".repeat(4085) }, { memo: "x".repeat(4086) }, { memo: "€" })), { nil: undefined });

/** The line the general writer makes, as bytes. */
const general = (input: SyscallInput, seq: number, ts: number) => Buffer.from(recordLine(syscallBody(input), seq, ts), "utf8");

describe("writeSyscallLine", () => {
  it("writes the general writer's bytes whenever it writes, and keeps nothing when it declines", () => {
    let taken = 0;
    fc.assert(fc.property(agent, str, target, args, decision, outcome, fc.option(fc.nat(), { nil: undefined, freq: 8 }), fc.nat(), fc.integer({ min: 0, max: 2 ** 50 }), (a, syscall, t, x, d, o, within, seq, ts) => {
      const input = { agent: a, syscall, target: t, args: x, decision: d as never, outcome: o, within };
      const sink = new MemorySink();
      sink.append('{"before":1}\n');
      if (writeSyscallLine(sink, input, seq, ts)) {
        taken++;
        expect(sink.size).toBe(2);
        expect(Buffer.from(sink.bytes(1)).equals(general(input, seq, ts))).toBe(true);
      } else expect(sink.size).toBe(1);
      // Whatever was tried, the next line lands where the last one ended.
      sink.append('{"after":1}\n');
      expect(sink.text(sink.size - 1)).toBe('{"after":1}');
    }), { numRuns: 1500 });
    expect(taken).toBeGreaterThan(0);
  });

  it("takes most records of a frozen agent whose text is plain ASCII", () => {
    const name = fc.string({ unit: fc.constantFrom(..."abcxyz019-_./ ") });
    let taken = 0, runs = 0;
    fc.assert(fc.property(fc.record({ id: name, name, tenant: name, role: name }), name, name, decision, fc.option(fc.record({ ok: fc.boolean(), answer: fc.option(fc.string(), { nil: undefined }) }), { nil: undefined }), (a, syscall, t, d, o) => {
      runs++;
      const input = { agent: Object.freeze(a), syscall, target: "/mem/" + t, decision: { ...d, rule: d.rule === null ? null : "r" + d.rule.length, audit: d.audit.map((x) => "a" + x.length) } as never, outcome: o };
      const sink = new MemorySink();
      if (writeSyscallLine(sink, input, 7, 1)) {
        taken++;
        expect(Buffer.from(sink.bytes(0)).equals(general(input, 7, 1))).toBe(true);
      } else expect(() => syscallBody(input)).not.toThrow();
    }), { numRuns: 300 });
    expect(taken).toBe(runs);
  });

  it("takes a kernel's read: a frozen agent, an ASCII path, no args, an answer", () => {
    const agent = Object.freeze({ id: "a1", name: "reader", tenant: "acme", role: "agent", labels: Object.freeze({ team: "x" }) });
    const sink = new MemorySink();
    for (let seq = 0; seq < 3; seq++) {
      const input: SyscallInput = { agent, syscall: "fs.read", target: "/mem/working/x.txt", decision: { effect: "allow", rule: "r0", audit: [] }, outcome: { ok: true, answer: '"hello"' } };
      expect(writeSyscallLine(sink, input, seq, 1_700_000_000_000 + seq)).toBe(true);
      expect(sink.text(seq) + "\n").toBe(general(input, seq, 1_700_000_000_000 + seq).toString("utf8"));
    }
  });

  it("declines what the general writer would refuse, so that it says why", () => {
    const sink = new MemorySink();
    const ok = { agent: Object.freeze({ id: "a", name: "a", tenant: "" }), syscall: "fs.read", target: "/x", decision: { effect: "allow" as const, rule: null, audit: [] } };
    for (const bad of [{ ...ok, syscall: 1 }, { ...ok, target: null }, { ...ok, decision: { effect: "maybe", rule: null, audit: [] } }, { ...ok, decision: { effect: "allow", rule: 3, audit: [] } },
      { ...ok, decision: { effect: "allow", rule: null, audit: [1] } }, { ...ok, outcome: { ok: "yes" } }, { ...ok, agent: null }, { ...ok, agent: Object.freeze({ id: 1, name: "a", tenant: "" }) }]) {
      let declined: boolean;
      try { declined = !writeSyscallLine(sink, bad as never, 0, 0); } catch { declined = true; }
      expect(declined).toBe(true);
      expect(() => syscallBody(bad as never)).toThrow();
    }
    expect(sink.size).toBe(0);
  });
});
