import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { canonicalJson } from "./canonical-json.js";
import { GENESIS_HASH, recomputeHash } from "./chain.js";
import { jsonDigest, sha256Hex } from "./digest.js";
import { FlightRecorder, type Ack } from "./recorder.js";
import { RecorderError } from "./recorder-error.js";
import type { FlightRecord } from "./record.js";
import { KEY, PAYER, tempLog, writeSampleLog } from "./testdata/sample-log.js";
import { verify } from "./verify.js";

const allow = { effect: "allow" as const, rule: "cheap", audit: ["watch"] };
const buy = (price: number, args: unknown = { item: "pen", price }) =>
  ({ agent: PAYER, syscall: "tool.call", target: "buy", args, decision: allow, policyHash: "cd".repeat(32) });
const fileRecords = (path: string): FlightRecord[] => readFileSync(path, "utf8").trim().split("\n").map((l) => JSON.parse(l));
const code = (p: Promise<unknown>) => p.then(() => "resolved", (e) => (e instanceof RecorderError ? e.code : String(e)));

describe("FlightRecorder chain", () => {
  it("links every record to the one before it, from 64 zeros, in canonical JSON lines", async () => {
    const path = await writeSampleLog();
    const text = readFileSync(path, "utf8");
    const records = fileRecords(path);
    expect(records.map((r) => r.seq)).toEqual([...records.keys()]);
    expect(records[0]).toMatchObject({ kind: "open", format: "acp-flight/1", policy: "shop", policyHash: "ab".repeat(32), prev: GENESIS_HASH });
    expect(records.at(-1)!.kind).toBe("close");
    records.forEach((r, i) => {
      if (i > 0) expect(r.prev).toBe(records[i - 1]!.hash);
      const { hash, ...body } = r;
      expect(hash).toBe(sha256Hex(r.prev + canonicalJson(body)));
    });
    expect(text).toBe(records.map((r) => canonicalJson(r) + "\n").join(""));
  });

  it("records a syscall with its digest and args, and a completion with its result digest", async () => {
    const rec = await FlightRecorder.open({ memory: true, now: () => 42 });
    const s = await rec.syscall(buy(3));
    const c = await rec.complete({ of: s.seq, ok: true, result: { id: "o-1" }, durationMs: 1.5 });
    const [, sys, done] = rec.records();
    expect(sys).toEqual({
      kind: "syscall", seq: 1, ts: 42, prev: rec.records()[0]!.hash, hash: s.hash,
      agent: { id: "a1", name: "payer", tenant: "acme", role: "clerk" }, syscall: "tool.call", target: "buy",
      args: { item: "pen", price: 3 }, argsDigest: jsonDigest({ price: 3, item: "pen" }), argsTruncated: false,
      effect: "allow", rule: "cheap", audit: ["watch"], policyHash: "cd".repeat(32),
    });
    expect(done).toMatchObject({ kind: "complete", of: 1, ok: true, errno: null, resultDigest: jsonDigest({ id: "o-1" }), durationMs: 1.5, hash: c.hash });
    expect(rec.head()).toEqual(c);
  });

  it("keeps only the digest of args over 4 KiB", async () => {
    const rec = await FlightRecorder.open({ memory: true });
    const big = { item: "é".repeat(2100), price: 1 };
    await rec.syscall(buy(1, big));
    const sys = rec.records()[1]!;
    expect(sys).toMatchObject({ argsTruncated: true, argsDigest: jsonDigest(big) });
    expect("args" in sys).toBe(false);
  });

  it("appends checked bodies of every caller kind, review and log included", async () => {
    const rec = await FlightRecorder.open({ memory: true });
    const s = await rec.syscall(buy(60_000));
    await rec.append({ kind: "review", agent: PAYER, syscall: "tool.call", target: "buy", verdict: "approved", of: s.seq });
    await rec.append({ kind: "log", agent: PAYER, text: "paid" });
    expect(rec.records().slice(2).map((r) => r.kind)).toEqual(["review", "log"]);
  });

  it("refuses records it cannot write with EINVAL, and appends after close with ECLOSED", async () => {
    const rec = await FlightRecorder.open({ memory: true });
    expect(await code(rec.syscall(buy(1, { n: 10n })))).toBe("EINVAL");
    expect(await code(rec.syscall({ ...buy(1), decision: { effect: "maybe", rule: null, audit: [] } as never }))).toBe("EINVAL");
    expect(await code(rec.complete({ of: 99, ok: true, durationMs: 1 }))).toBe("EINVAL");
    expect(await code(rec.append({ kind: "close" } as never))).toBe("EINVAL");
    // The chain's members are the recorder's: a body carrying one would be acknowledged, then refused by verify.
    for (const k of ["hash", "prev", "seq", "ts"]) expect(await code(rec.append({ kind: "log", agent: { id: "a", name: "a", role: "", tenant: "", labels: {} }, text: "hi", [k]: k === "hash" || k === "prev" ? "f".repeat(64) : 1 } as never)), k).toBe("EINVAL");
    // What the verifier would call malformed is never written: here a completion without `of`.
    expect(await code(rec.append({ kind: "complete", ok: true, errno: null, durationMs: 1 } as never))).toBe("EINVAL");
    await rec.close();
    await rec.close();
    expect(await code(rec.signal(PAYER, "SIGTERM", "host"))).toBe("ECLOSED");
    expect(rec.records().map((r) => r.kind)).toEqual(["open", "close"]);
    expect(verify(rec.records().map((r) => canonicalJson(r)))).toMatchObject({ ok: true, closed: true });
  });

  it("a memory recorder acknowledges at once: syscallNow and completeNow return their acks, refusals are thrown", async () => {
    const rec = await FlightRecorder.open({ memory: true, now: () => 7 });
    expect(rec.immediate).toBe(true);
    const s = rec.syscallNow(buy(3));
    const c = rec.completeNow({ of: s.seq, ok: true, result: "fine", durationMs: 0.5 });
    // In the log and the head before anything was awaited.
    expect(rec.records().map((r) => r.seq)).toEqual([0, s.seq, c.seq]);
    expect(rec.head()).toEqual(c);
    const thrown = (f: () => unknown) => { try { f(); return "returned"; } catch (e) { return e instanceof RecorderError ? e.code : String(e); } };
    expect(thrown(() => rec.completeNow({ of: 99, ok: true, durationMs: 1 }))).toBe("EINVAL");
    expect(thrown(() => rec.syscallNow(buy(1, { n: 10n })))).toBe("EINVAL");
    // The same records as the promise-returning calls make.
    const twin = await FlightRecorder.open({ memory: true, now: () => 7 });
    const s2 = await twin.syscall(buy(3));
    await twin.complete({ of: s2.seq, ok: true, result: "fine", durationMs: 0.5 });
    expect(twin.records()).toEqual(rec.records());
    await rec.close();
    expect(thrown(() => rec.syscallNow(buy(1)))).toBe("ECLOSED");
    const onFile = await FlightRecorder.open({ path: tempLog() });
    expect(onFile.immediate).toBe(false);
    expect(thrown(() => onFile.syscallNow(buy(1)))).toBe("EINVAL");
    await onFile.close();
  });

  it("keeps a long memory log exactly, lines of any size and script included", async () => {
    const rec = await FlightRecorder.open({ memory: true });
    const texts = ["plain", "ünïcødé €uro 🎉", "x".repeat(600_000), "y".repeat(2_000_000), ...Array.from({ length: 3000 }, (_, i) => `line ${i} ${"é".repeat(i % 300)}`)];
    for (const text of texts) await rec.append({ kind: "log", agent: PAYER, text });
    await rec.close();
    const records = rec.records();
    expect(records.filter((r) => r.kind === "log").map((r) => (r as { text: string }).text)).toEqual(texts);
    expect(verify(records.map((r) => canonicalJson(r)))).toMatchObject({ ok: true, closed: true });
    // A reader that ships the log elsewhere takes what is new since it last looked.
    for (const start of [0, 1, 3, 1500, records.length - 1, records.length, records.length + 5]) expect(rec.recordsFrom(start)).toEqual(records.slice(start));
  });

  it("releases what its host has shipped: the memory goes, and the rest verifies from the released head", async () => {
    const rec = await FlightRecorder.open({ memory: true });
    for (let i = 0; i < 4000; i++) await rec.append({ kind: "log", agent: PAYER, text: `${i} ${"z".repeat(1000)}` });
    const all = rec.records();
    const lines = (rs: readonly FlightRecord[]) => rs.map((r) => canonicalJson(r));
    const held = () => rec.stats().heldBytes!;
    const full = held();
    expect(full).toBeGreaterThan(4_000_000);
    expect(rec.released()).toBe(null);
    // The host shipped records 0..2999 elsewhere.
    expect(rec.release(2999)).toEqual({ seq: 2999, hash: all[2999]!.hash });
    expect(rec.records()).toEqual(all.slice(3000));
    expect(rec.recordsFrom(0)).toEqual(all.slice(3000));
    expect(rec.recordsFrom(3500)).toEqual(all.slice(3500));
    expect(held()).toBeLessThan(full / 2);
    // What is left verifies only as the continuation it is, and still catches an edit.
    expect(verify(lines(rec.records()))).toMatchObject({ ok: false });
    expect(verify(lines(rec.records()), { after: rec.released()! })).toMatchObject({ ok: true, records: 1001 });
    const edited = lines(rec.records());
    edited[10] = edited[10]!.replace(`"text":"3009 `, `"text":"3008 `);
    expect(verify(edited, { after: rec.released()! })).toMatchObject({ ok: false, firstBad: { seq: 3010, reason: "edited" } });
    expect(verify(lines(rec.records()), { after: { seq: 2999, hash: all[2998]!.hash } })).toMatchObject({ ok: false });
    // Releasing less than before changes nothing; more than the head stops at the head.
    expect(rec.release(100)).toEqual({ seq: 2999, hash: all[2999]!.hash });
    expect(rec.release(1e9)).toEqual({ seq: 4000, hash: all[4000]!.hash });
    expect(rec.records()).toEqual([]);
    await rec.close();
    expect(rec.records().map((r) => r.kind)).toEqual(["close"]);
    expect(verify(lines(rec.records()), { after: rec.released()! })).toMatchObject({ ok: true, closed: true });
    expect(() => rec.release(1.5)).toThrow(RecorderError);
    const onFile = await FlightRecorder.open({ path: tempLog() });
    expect(() => onFile.release(0)).toThrow(/for a memory recorder/);
    await onFile.close();
  });

  it("seals every N records and before close when it has a key", async () => {
    const rec = await FlightRecorder.open({ memory: true, key: KEY, sealEvery: 3 });
    for (let i = 0; i < 7; i++) await rec.signal(PAYER, "SIGSTOP", "host");
    await rec.close();
    const kinds = rec.records().map((r) => r.kind);
    expect(kinds).toEqual(["open", "signal", "signal", "seal", "signal", "signal", "signal", "seal", "signal", "signal", "seal", "close"]);
    expect(rec.records()[0]).toMatchObject({ keyId: "k1", sealEvery: 3 });
    expect(verify(rec.records().map((r) => canonicalJson(r)), { key: KEY })).toMatchObject({ ok: true, sealed: 3, sealedThrough: 9 });
  });
});

describe("FlightRecorder on a file", () => {
  it("group commit: concurrent appends share fsyncs, and each is acknowledged only after the fsync that covers it", async () => {
    const path = tempLog();
    let syncedThrough = -1;
    const rec = await FlightRecorder.open({ path, onSync: (seq) => { syncedThrough = seq; } });
    const before = rec.stats().syncs;
    const early: Ack[] = [];
    const acks = await Promise.all(Array.from({ length: 2000 }, (_, i) => rec.syscall(buy(i)).then((ack) => {
      expect(ack.seq).toBeLessThanOrEqual(syncedThrough);
      if (ack.seq % 500 === 0) {
        // Already in the file the moment it is acknowledged.
        expect(readFileSync(path, "utf8")).toContain(`"hash":"${ack.hash}"`);
        early.push(ack);
      }
      return ack;
    })));
    const syncs = rec.stats().syncs - before;
    expect(early.length).toBe(4);
    expect(acks.map((a) => a.seq)).toEqual(Array.from({ length: 2000 }, (_, i) => i + 1));
    expect(syncs).toBeGreaterThanOrEqual(1);
    expect(syncs).toBeLessThanOrEqual(10);
    expect(rec.stats().writes).toBe(rec.stats().syncs);
    await rec.close();
    expect(verify(path)).toMatchObject({ ok: true, records: 2002, closed: true });
  });

  it("groupCommitMs lets appends from separate event-loop turns share one fsync", async () => {
    const rec = await FlightRecorder.open({ path: tempLog(), groupCommitMs: 50 });
    const before = rec.stats().syncs;
    const pending: Promise<Ack>[] = [];
    for (let i = 0; i < 5; i++) {
      pending.push(rec.syscall(buy(i)));
      await new Promise((r) => setImmediate(r));
    }
    await Promise.all(pending);
    expect(rec.stats().syncs - before).toBe(1);
    await rec.close();
  });

  it('sync "always": one write and one fsync per record', async () => {
    const path = tempLog();
    const rec = await FlightRecorder.open({ path, sync: "always" });
    await Promise.all(Array.from({ length: 50 }, (_, i) => rec.syscall(buy(i))));
    expect(rec.stats()).toMatchObject({ records: 51, writes: 51, syncs: 51 });
    await rec.close();
    expect(verify(path)).toMatchObject({ ok: true, records: 52 });
  });

  it("reopening a log continues its chain with a new session", async () => {
    const path = await writeSampleLog();
    const rec = await FlightRecorder.open({ path });
    expect(rec.head()?.seq).toBe(14);
    await rec.signal(PAYER, "SIGCONT", "host");
    await rec.close();
    const records = fileRecords(path);
    expect(records.slice(13).map((r) => `${r.seq} ${r.kind}`)).toEqual(["13 close", "14 open", "15 signal", "16 close"]);
    expect(verify(path)).toMatchObject({ ok: true, records: 17, closed: true });
  });

  it("reopening cuts a partial last line, and says so in the new open record", async () => {
    const path = await writeSampleLog();
    appendFileSync(path, '{"agent":{"id":"a1"');
    expect(verify(path).firstBad?.reason).toBe("truncated");
    const rec = await FlightRecorder.open({ path });
    await rec.close();
    expect(fileRecords(path)[14]).toMatchObject({ kind: "open", recovered: { truncatedBytes: 19 } });
    expect(verify(path)).toMatchObject({ ok: true, closed: true });
  });

  it("refuses to extend a log whose last record does not hash (ECHAIN)", async () => {
    const path = await writeSampleLog();
    const lines = readFileSync(path, "utf8").split("\n");
    lines[13] = lines[13]!.replace('"ts":1130', '"ts":1131');
    writeFileSync(path, lines.join("\n"));
    expect(recomputeHash(JSON.parse(lines[13]!))).not.toBe(JSON.parse(lines[13]!).hash);
    expect(await code(FlightRecorder.open({ path }))).toBe("ECHAIN");
  });

  it("throughput (printed, not asserted)", async () => {
    for (const sync of ["group", "always"] as const) {
      const rec = await FlightRecorder.open({ path: tempLog(), sync });
      const n = sync === "group" ? 100_000 : 1_000;
      const t = performance.now();
      for (let i = 0; i < n; i += 1000) await Promise.all(Array.from({ length: 1000 }, (_, j) => rec.syscall(buy(i + j))));
      const s = (performance.now() - t) / 1000;
      console.log(`flight recorder, sync ${sync}: ${Math.round(n / s)} records/s (${rec.stats().syncs} fsyncs for ${n} records)`);
      await rec.close();
    }
  });
});
