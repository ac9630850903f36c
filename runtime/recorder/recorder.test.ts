import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { canonicalJson } from "./canonical-json.js";
import { answerDigest, jsonDigest, sha256Hex } from "./digest.js";
import { FlightRecorder, type Ack } from "./recorder.js";
import { RecorderError } from "./recorder-error.js";
import type { FlightRecord } from "./record.js";
import { signKey } from "./sign-key.js";
import { fill, KEY, KEY_PEM, PAYER, TRUST, tempLog, writeSampleLog } from "./testdata/sample-log.js";
import { verify } from "./verify.js";

const here = dirname(fileURLToPath(import.meta.url));
const allow = { effect: "allow" as const, rule: "cheap", audit: ["watch"] };
const buy = (price: number, args: unknown = { item: "pen", price }) => ({ agent: PAYER, syscall: "tool.call", target: "buy", args, decision: allow });
const fileLines = (path: string) => readFileSync(path, "utf8").split("\n").slice(0, -1);
const fileRecords = (path: string): FlightRecord[] => fileLines(path).map((l) => JSON.parse(l));
const code = (p: Promise<unknown>) => p.then(() => "resolved", (e) => (e instanceof RecorderError ? e.code : String(e)));
const thrown = (f: () => unknown) => { try { f(); return "returned"; } catch (e) { return e instanceof RecorderError ? e.code : String(e); } };

describe("FlightRecorder records", () => {
  it("writes canonical JSON lines with seq and ts and no hash of their own, each group commit sealed", async () => {
    const path = await writeSampleLog();
    const records = fileRecords(path);
    expect(records.map((r) => r.seq)).toEqual([...records.keys()]);
    expect(readFileSync(path, "utf8")).toBe(records.map((r) => canonicalJson(r) + "\n").join(""));
    expect(records[0]).toMatchObject({ kind: "open", format: "acp-flight/2", policy: "shop", policyHash: "ab".repeat(32), kid: null });
    expect(records.map((r) => r.kind).join(" ")).toBe("open seal agent syscall seal complete syscall agent syscall syscall seal signal agent log agent seal close seal");
    for (const r of records) if (r.kind !== "seal") expect(Object.keys(r).filter((k) => k === "hash" || k === "prev")).toEqual([]);
    // Every seal covers everything before it.
    for (const r of records) if (r.kind === "seal") expect(r.size).toBe(r.seq);
    expect(verify(path)).toMatchObject({ ok: true, records: 18, seals: 5, closed: true, unsealed: 0 });
  });

  it("records an intent and its completion, a syscall answered in its own record, and digests of what it does not keep", async () => {
    const rec = await FlightRecorder.open({ memory: true, sealer: "inline", now: () => 42 });
    const s = await rec.syscall(buy(3));
    await rec.complete({ of: s.seq, ok: true, result: { id: "o-1" }, durationMs: 1.5 });
    await rec.complete({ of: s.seq, ok: true, answer: '{"id":"o-1"}', durationMs: 1.5 });
    await rec.syscall({ agent: PAYER, syscall: "fs.read", target: "/mem/a", decision: allow, outcome: { ok: true, answer: '"hello"' } });
    await rec.syscall({ agent: PAYER, syscall: "fs.read", target: "/mem/b", decision: allow, outcome: { ok: false, errno: "ENOENT" } });
    const [, intent, done, doneText, read, missing] = rec.records();
    expect(intent).toEqual({
      kind: "syscall", seq: 1, ts: 42, agent: { id: "a1", name: "payer", tenant: "acme", role: "clerk" }, syscall: "tool.call", target: "buy",
      args: { item: "pen", price: 3 }, effect: "allow", rule: "cheap", audit: ["watch"],
    });
    expect(done).toEqual({ kind: "complete", seq: 2, ts: 42, of: 1, ok: true, errno: null, resultDigest: jsonDigest({ id: "o-1" }), durationMs: 1.5 });
    // An answer's text is digested as it is: the JSON the caller got.
    expect(doneText).toMatchObject({ resultDigest: sha256Hex('{"id":"o-1"}') });
    expect(read).toMatchObject({ kind: "syscall", ok: true, errno: null, resultDigest: answerDigest('"hello"'), target: "/mem/a" });
    expect(missing).toMatchObject({ ok: false, errno: "ENOENT", resultDigest: sha256Hex("null") });
  });

  it("keeps 4 KiB of a long target and of long args, with the whole one's length and digest", async () => {
    const rec = await FlightRecorder.open({ memory: true, sealer: "inline" });
    const big = { item: "é".repeat(2100), price: 1 };
    const path = "/mem/" + "p".repeat(65_000);
    await rec.syscall({ ...buy(1, big), target: path, outcome: { ok: false, errno: "EPERM" } });
    const sys = rec.records()[1]!;
    expect(sys).toMatchObject({ argsDigest: sha256Hex(canonicalJson(big)), argsBytes: Buffer.byteLength(canonicalJson(big)), targetBytes: 65_005, targetDigest: sha256Hex(path) });
    expect("args" in sys).toBe(false);
    expect((sys as { target: string }).target).toBe(path.slice(0, 4096));
    expect(rec.lines()[1]!.length).toBeLessThan(4096 + 600);
  });

  it("appends checked bodies of every caller kind, and refuses what it cannot write with EINVAL, after close with ECLOSED", async () => {
    const rec = await FlightRecorder.open({ memory: true, sealer: "inline" });
    const s = await rec.syscall(buy(60_000));
    await rec.append({ kind: "review", agent: PAYER, syscall: "tool.call", target: "buy", verdict: "approved", of: s.seq });
    await rec.append({ kind: "log", agent: PAYER, text: "paid" });
    await rec.append({ kind: "policy", policy: "shop", policyHash: "cd".repeat(32) });
    expect(rec.records().slice(2).map((r) => r.kind)).toEqual(["review", "log", "policy"]);
    expect(await code(rec.syscall(buy(1, { n: 10n })))).toBe("EINVAL");
    expect(await code(rec.syscall({ ...buy(1), decision: { effect: "maybe", rule: null, audit: [] } as never }))).toBe("EINVAL");
    expect(await code(rec.syscall({ ...buy(1), outcome: { ok: "yes" } as never }))).toBe("EINVAL");
    expect(await code(rec.complete({ of: 99, ok: true, durationMs: 1 }))).toBe("EINVAL");
    expect(await code(rec.complete({ of: 1, ok: true, answer: "x", result: 1, durationMs: 1 }))).toBe("EINVAL");
    for (const kind of ["close", "seal", "open"]) expect(await code(rec.append({ kind } as never))).toBe("EINVAL");
    // The header is the recorder's: a body carrying seq or ts would be acknowledged, then refused by verify.
    for (const k of ["seq", "ts"]) expect(await code(rec.append({ kind: "log", agent: PAYER, text: "hi", [k]: 1 } as never)), k).toBe("EINVAL");
    // A member the schema does not know would make a record verify calls edited.
    expect(await code(rec.append({ kind: "log", agent: PAYER, text: "hi", extra: 1 } as never))).toBe("EINVAL");
    await rec.close();
    await rec.close();
    expect(await code(rec.signal(PAYER, "SIGTERM", "host"))).toBe("ECLOSED");
    expect(rec.records().map((r) => r.kind)).toEqual(["open", "syscall", "review", "log", "policy", "close", "seal"]);
    expect(verify(rec.lines())).toMatchObject({ ok: true, closed: true });
  });
});

describe("FlightRecorder in memory", () => {
  it("acknowledges at once: syscallNow and completeNow return their acks, refusals are thrown", async () => {
    const rec = await FlightRecorder.open({ memory: true, sealer: "inline", now: () => 7 });
    expect(rec.immediate).toBe(true);
    const s = rec.syscallNow(buy(3));
    const c = rec.completeNow({ of: s.seq, ok: true, answer: '"fine"', durationMs: 0.5 });
    expect(rec.records().map((r) => r.seq)).toEqual([0, s.seq, c.seq]);
    expect(rec.durableSeq()).toBe(c.seq);
    expect(thrown(() => rec.completeNow({ of: 99, ok: true, durationMs: 1 }))).toBe("EINVAL");
    expect(thrown(() => rec.syscallNow(buy(1, { n: 10n })))).toBe("EINVAL");
    const twin = await FlightRecorder.open({ memory: true, sealer: "inline", now: () => 7 });
    const s2 = await twin.syscall(buy(3));
    await twin.complete({ of: s2.seq, ok: true, answer: '"fine"', durationMs: 0.5 });
    expect(twin.lines()).toEqual(rec.lines());
    await rec.close();
    expect(thrown(() => rec.syscallNow(buy(1)))).toBe("ECLOSED");
    const onFile = await FlightRecorder.open({ path: tempLog() });
    expect(onFile.immediate).toBe(false);
    expect(thrown(() => onFile.syscallNow(buy(1)))).toBe("EINVAL");
    await onFile.close();
  });

  it("seals every sealEvery records, after sealMs, and over its close", async () => {
    const rec = await FlightRecorder.open({ memory: true, sealer: "inline", sealEvery: 3, sealMs: 20 });
    for (let i = 0; i < 7; i++) rec.syscallNow(buy(i));
    // open + 7 records: a seal after every 3 records (its own line aside), the last one by the timer.
    expect(rec.records().map((r) => r.kind).join(" ")).toBe("open syscall syscall seal syscall syscall syscall seal syscall syscall");
    expect(rec.head()).toMatchObject({ size: 7 });
    await new Promise((r) => setTimeout(r, 60));
    expect(rec.records().at(-1)).toMatchObject({ kind: "seal", size: 10 });
    await rec.close();
    expect(rec.records().slice(-2).map((r) => r.kind)).toEqual(["close", "seal"]);
    expect(verify(rec.lines())).toMatchObject({ ok: true, seals: 4, closed: true, sealedThrough: rec.records().length - 2 });
  });

  it("seals on the sealer thread the records it would seal inline, signed alike, off the recording thread", async () => {
    const make = (sealer: "inline" | "thread") => FlightRecorder.open({ memory: true, sealer, sealEvery: 100, sealMs: 1e6, now: () => 5, signKey: KEY });
    const inline = await make("inline"), thread = await make("thread");
    for (const rec of [inline, thread]) {
      for (let i = 0; i < 1000; i++) rec.syscallNow({ ...buy(i), outcome: { ok: true, answer: `"${"r".repeat(i % 50)}"` } });
      await rec.seal();
      await rec.close();
    }
    // A seal the thread computed is appended when it is done: it may cover fewer records than its
    // own seq (the ones after it wait for the next seal), so batches differ, never the records.
    const others = (lines: string[]) => lines.filter((l) => !l.includes('"kind":"seal"')).map((l) => l.replace(/"seq":\d+,/, ""));
    expect(others(thread.lines())).toEqual(others(inline.lines()));
    const late = thread.records().filter((r) => r.kind === "seal" && r.size < r.seq);
    expect(late.length).toBeGreaterThan(0);
    for (const rec of [inline, thread]) expect(verify(rec.lines(), { trust: [TRUST] })).toMatchObject({ ok: true, closed: true, signatures: "verified", unsealed: 0 });
    expect(thread.head()!.size).toBe(thread.records().length - 1);
  });

  it("keeps a long memory log exactly, lines of any size and script included", async () => {
    const rec = await FlightRecorder.open({ memory: true });
    const texts = ["plain", "ünïcødé €uro 🎉", "x".repeat(600_000), "y".repeat(2_000_000), ...Array.from({ length: 3000 }, (_, i) => `line ${i} ${"é".repeat(i % 300)}`)];
    for (const text of texts) await rec.append({ kind: "log", agent: PAYER, text });
    await rec.close();
    const records = rec.records();
    expect(records.filter((r) => r.kind === "log").map((r) => (r as { text: string }).text)).toEqual(texts);
    expect(verify(rec.lines())).toMatchObject({ ok: true, closed: true });
    for (const start of [0, 1, 3, 1500, records.length - 1, records.length, records.length + 5]) expect(rec.recordsFrom(start)).toEqual(records.slice(start));
  });

  it("releases what its host has shipped, a sealed batch at a time; the rest verifies from the checkpoint", async () => {
    const rec = await FlightRecorder.open({ memory: true, sealer: "inline", sealEvery: 500 });
    for (let i = 0; i < 4000; i++) rec.syscallNow({ ...buy(i), args: { memo: `${i} ${"z".repeat(1000)}` } });
    const all = rec.lines();
    const full = rec.stats().heldBytes!;
    expect(full).toBeGreaterThan(4_000_000);
    expect(rec.released()).toBe(null);
    // The host shipped records 0..2999; only whole sealed batches go (seals every 500 records, each
    // seal's own line aside: sizes 500, 1001, …, 2504, 3005).
    const cp = rec.release(2999)!;
    expect(cp.size).toBe(2504);
    expect(rec.lines()).toEqual(all.slice(2504));
    expect(rec.recordsFrom(0)).toEqual(rec.records());
    // Half of it and the chunk being filled, and one released chunk kept to take the next lines.
    expect(rec.stats().heldBytes!).toBeLessThan(full / 2 + 1_100_000 + (1 << 20));
    // What is left verifies only as the continuation it is, and still catches an edit.
    expect(verify(rec.lines())).toMatchObject({ ok: false });
    expect(verify(rec.lines(), { after: cp, live: true })).toMatchObject({ ok: true, records: all.length - 2504 });
    const edited = rec.lines();
    edited[10] = edited[10]!.replace(/"memo":"(\d+) /, (_, n) => `"memo":"${Number(n) + 1} `);
    expect(edited[10]).not.toBe(rec.lines()[10]);
    expect(verify(edited, { after: cp, live: true })).toMatchObject({ ok: false, firstBad: { reason: "edited" } });
    expect(verify(rec.lines(), { after: { ...cp, hash: "0".repeat(64) }, live: true })).toMatchObject({ ok: false });
    // Releasing less than before changes nothing; more than there is stops at the last seal.
    expect(rec.release(100)).toEqual(cp);
    await rec.close();
    const last = rec.release(1e9)!;
    expect(last.size).toBe(rec.head()!.size);
    expect(rec.records().map((r) => r.kind)).toEqual(["seal"]);
    expect(verify(rec.lines(), { after: last, live: true })).toMatchObject({ ok: true, seals: 1 });
    expect(() => rec.release(1.5)).toThrow(RecorderError);
    const onFile = await FlightRecorder.open({ path: tempLog() });
    expect(() => onFile.release(0)).toThrow(/for a memory recorder/);
    await onFile.close();
  });
});

describe("FlightRecorder signing", () => {
  it("signs every seal under its key id; verify checks them with the public key, and refuses a wrong one", async () => {
    const path = await writeSampleLog(tempLog(), { signKey: KEY });
    const records = fileRecords(path);
    expect(records[0]).toMatchObject({ kind: "open", kid: KEY.kid });
    for (const r of records) if (r.kind === "seal") expect(r).toMatchObject({ kid: KEY.kid, sig: expect.stringMatching(/^[0-9a-f]{128}$/) });
    expect(verify(path)).toMatchObject({ ok: true, signatures: "unchecked" });
    expect(verify(path, { trust: [TRUST] })).toMatchObject({ ok: true, signatures: "verified" });
    const other = signKey((await import("./sign-key.js")).generateKeyPair().privatePem);
    expect(verify(path, { trust: [{ kid: other.kid, publicKey: other.publicKey }] })).toMatchObject({ ok: false, firstBad: { reason: "bad-signature", seq: 1 } });
    // A key that claims the right id but is another key.
    expect(verify(path, { trust: [{ kid: KEY.kid, publicKey: other.publicKey }] }).firstBad).toMatchObject({ reason: "bad-signature" });
    // An unsigned log, where signatures are asked for.
    expect(verify(await writeSampleLog(), { trust: [TRUST] }).firstBad).toMatchObject({ reason: "bad-signature" });
  });

  it("takes the key as PEM, refuses one that is not an ed25519 private key (EKEY)", async () => {
    const rec = await FlightRecorder.open({ memory: true, signKey: KEY_PEM.privatePem });
    expect(rec.kid).toBe(KEY.kid);
    await rec.close();
    expect(await code(FlightRecorder.open({ memory: true, signKey: KEY_PEM.publicPem }))).toBe("EKEY");
    expect(await code(FlightRecorder.open({ memory: true, signKey: "not a key" }))).toBe("EKEY");
  });
});

describe("FlightRecorder on a file", () => {
  it("group commit: concurrent appends share writes, each acknowledged only once its batch and seal are fsynced", async () => {
    const path = tempLog();
    let syncedThrough = -1;
    const rec = await FlightRecorder.open({ path, onSync: (seq) => { syncedThrough = seq; } });
    const before = rec.stats().syncs;
    let checked = 0;
    const acks = await Promise.all(Array.from({ length: 2000 }, (_, i) => rec.syscall(buy(i)).then((ack) => {
      expect(ack.seq).toBeLessThanOrEqual(syncedThrough);
      if (i % 500 === 0) {
        // In the file, and sealed, the moment it is acknowledged.
        const r = verify(path, { live: true });
        expect(r.ok).toBe(true);
        expect(r.sealedThrough).toBeGreaterThanOrEqual(ack.seq);
        checked++;
      }
      return ack;
    })));
    const syncs = rec.stats().syncs - before;
    expect(checked).toBe(4);
    expect(acks.map((a) => a.seq)).toEqual(Array.from({ length: 2000 }, (_, i) => i + 2));
    expect(syncs).toBeGreaterThanOrEqual(1);
    expect(syncs).toBeLessThanOrEqual(10);
    expect(rec.stats().writes).toBe(rec.stats().syncs);
    expect(rec.stats().seals).toBe(rec.stats().syncs);
    await rec.close();
    expect(verify(path)).toMatchObject({ ok: true, closed: true });
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

  it('sync "always": one write, one seal and one fsync per record', async () => {
    const path = tempLog();
    const rec = await FlightRecorder.open({ path, sync: "always" });
    await Promise.all(Array.from({ length: 50 }, (_, i) => rec.syscall(buy(i))));
    expect(rec.stats()).toMatchObject({ records: 102, writes: 51, syncs: 51, seals: 51 });
    await rec.close();
    expect(verify(path)).toMatchObject({ ok: true, records: 104, seals: 52 });
  });

  it("reopening a log continues its seq, its seals and its tree in a new session", async () => {
    const path = await writeSampleLog();
    const rec = await FlightRecorder.open({ path });
    expect(rec.durableSeq()).toBe(19);
    await rec.signal(PAYER, "SIGCONT", "host");
    await rec.close();
    const records = fileRecords(path);
    expect(records.slice(16).map((r) => `${r.seq} ${r.kind}`)).toEqual(["16 close", "17 seal", "18 open", "19 seal", "20 signal", "21 seal", "22 close", "23 seal"]);
    expect(records[18]).not.toHaveProperty("recovered");
    expect(verify(path)).toMatchObject({ ok: true, records: 24, sessions: 2, closed: true, recovered: 0 });
  });

  it("reopening after a crash keeps what was written but not sealed, cuts a partial last line, and says so", async () => {
    const path = await writeSampleLog();
    // What a crash leaves after the seal #15: a complete record no seal covers, and half of another.
    const head = fileLines(path).slice(0, 16).map((l) => l + "\n").join("");
    writeFileSync(path, head + `{"agent":{"id":"a1"`);
    expect(verify(path).firstBad?.reason).toBe("truncated");
    expect(verify(path, { live: true })).toMatchObject({ ok: true, unsealed: 0, partialBytes: 19 });
    writeFileSync(path, head + canonicalJson({ agent: PAYER, kind: "log", seq: 16, text: "late", ts: 1 }) + "\n" + `{"kind":"clo`);
    expect(verify(path, { live: true })).toMatchObject({ ok: true, unsealed: 1, partialBytes: 12 });
    expect(verify(path).firstBad?.reason).toBe("truncated");
    const rec = await FlightRecorder.open({ path });
    await rec.close();
    const after = fileRecords(path);
    expect(after[17]).toMatchObject({ kind: "open", recovered: { truncatedBytes: 12, unsealed: 1 } });
    // The new session's first seal covers the old session's unsealed record.
    expect(after[18]).toMatchObject({ kind: "seal", size: 18 });
    expect(verify(path)).toMatchObject({ ok: true, closed: true, sessions: 2, recovered: 1 });
  });

  it("refuses to extend a log that does not verify (ECHAIN), or one of the first format (EFORMAT)", async () => {
    const path = await writeSampleLog();
    const lines = fileLines(path);
    lines[6] = lines[6]!.replace('"rule":"read"', '"rule":"raed"');
    writeFileSync(path, lines.map((l) => l + "\n").join(""));
    expect(await code(FlightRecorder.open({ path }))).toBe("ECHAIN");
    const v1 = tempLog();
    copyFileSync(join(here, "testdata/v1-sample.log"), v1);
    expect(await code(FlightRecorder.open({ path: v1 }))).toBe("EFORMAT");
  });

  it("writes a memory recorder's log and a file recorder's log as the same records", async () => {
    let t = 1000;
    const mem = await FlightRecorder.open({ memory: true, sealer: "inline", policy: { name: "shop", hash: "ab".repeat(32) }, now: () => (t += 10) - 10 });
    await fill(mem);
    await mem.close();
    const kinds = (rs: readonly FlightRecord[]) => rs.filter((r) => r.kind !== "seal").map((r) => canonicalJson({ ...r, ts: 0, seq: 0, ...(r.kind === "complete" ? { of: 0 } : {}) }));
    expect(kinds(mem.records())).toEqual(kinds(fileRecords(await writeSampleLog())));
  });
});

describe("FlightRecorder throughput (printed, not asserted)", () => {
  it("appends and seals", async () => {
    for (const sync of ["group", "always"] as const) {
      const rec = await FlightRecorder.open({ path: tempLog(), sync });
      const n = sync === "group" ? 50_000 : 500;
      const t = performance.now();
      for (let i = 0; i < n; i += 500) await Promise.all(Array.from({ length: 500 }, (_, j) => rec.syscall(buy(i + j))));
      const s = (performance.now() - t) / 1000;
      console.log(`flight recorder, file, sync ${sync}: ${Math.round(n / s)} records/s (${rec.stats().syncs} fsyncs for ${n} records)`);
      await rec.close();
    }
  });
});
