import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalJson } from "./canonical-json.js";
import { FlightRecorder } from "./recorder.js";
import { freshChain, lineSpans, sealBatch } from "./seal.js";
import { KEY, PAYER, TRUST, tempLog, writeSampleLog } from "./testdata/sample-log.js";
import { verify } from "./verify.js";

const here = dirname(fileURLToPath(import.meta.url));
const linesOf = (path: string) => readFileSync(path, "utf8").split("\n").slice(0, -1);
const bytesOf = (lines: string[]) => Buffer.from(lines.map((l) => l + "\n").join(""));

/** Re-seals a whole log as a forger without the key can: every seal recomputed over the lines as they now are. */
function reseal(lines: string[]): string[] {
  const chain = freshChain();
  let from = 0;
  const out: string[] = [];
  lines.forEach((line, i) => {
    const r = JSON.parse(line);
    if (r.kind !== "seal") { out.push(line); return; }
    const covered = out.slice(from, r.size).map((l) => Buffer.from(l + "\n"));
    const body = sealBatch(chain, lineSpans(covered));
    from = r.size;
    const { kid: _k, sig: _s, ...rest } = r;
    out.push(canonicalJson({ ...rest, ...body, seq: i, ts: r.ts }));
  });
  return out;
}

describe("verify", () => {
  it("accepts an untouched log, as a file, its bytes or its lines", async () => {
    const path = await writeSampleLog();
    const r = verify(path);
    expect(r).toMatchObject({ ok: true, format: "acp-flight/2", records: 18, firstBad: null, seals: 5, sealedThrough: 16, unsealed: 0, closed: true, signatures: "unsigned", sessions: 1 });
    expect(r.head).toMatchObject({ size: 17 });
    expect(verify(linesOf(path))).toEqual(r);
    expect(verify(new Uint8Array(readFileSync(path)))).toEqual(r);
  });

  it("detects every single-byte change of the log, anywhere", async () => {
    const bytes = readFileSync(await writeSampleLog());
    // Each byte replaced by another: a letter, a digit, a quote, a newline, a non-ASCII byte.
    for (const sub of [0x61, 0x30, 0x22, 0x0a, 0xc3]) {
      for (let i = 0; i < bytes.length; i++) {
        if (bytes[i] === sub) continue;
        const b = Buffer.from(bytes);
        b[i] = sub;
        expect(verify(b).ok, `byte ${i} → 0x${sub.toString(16)}`).toBe(false);
      }
    }
  });

  it("detects every swap of two records, and every record moved elsewhere", async () => {
    const lines = linesOf(await writeSampleLog());
    for (let i = 0; i < lines.length; i++) {
      for (let j = i + 1; j < lines.length; j++) {
        const swapped = [...lines];
        [swapped[i], swapped[j]] = [swapped[j]!, swapped[i]!];
        expect(verify(swapped).ok, `swap ${i} ${j}`).toBe(false);
        const moved = [...lines];
        moved.splice(j, 0, moved.splice(i, 1)[0]!);
        expect(verify(moved).ok, `move ${i} → ${j}`).toBe(false);
      }
    }
  });

  it("detects every cut: at every byte, and at every record boundary, unless the log is still being written", async () => {
    const bytes = readFileSync(await writeSampleLog());
    for (let n = 0; n < bytes.length; n++) expect(verify(bytes.subarray(0, n)).ok, `cut at byte ${n}`).toBe(false);
    const lines = linesOf(await writeSampleLog());
    for (let n = 0; n < lines.length; n++) {
      const r = verify(lines.slice(0, n));
      expect(r.ok, `cut after ${n} records`).toBe(false);
      expect(["unsealed", "not-closed", "truncated"]).toContain(r.firstBad!.reason);
      // A live log is checked as far as it goes: every prefix of a good log is a good live log.
      if (n > 0) expect(verify(lines.slice(0, n), { live: true }).ok).toBe(true);
    }
  });

  it("names the first bad record: a gap, a repeat, an edit inside a batch", async () => {
    const lines = linesOf(await writeSampleLog());
    expect(verify([...lines.slice(0, 6), ...lines.slice(7)]).firstBad).toMatchObject({ seq: 6, line: 7, reason: "deleted" });
    expect(verify([...lines.slice(0, 7), lines[6]!, ...lines.slice(7)]).firstBad).toMatchObject({ seq: 7, line: 8, reason: "inserted" });
    const edited = [...lines];
    edited[6] = edited[6]!.replace('"rule":"read"', '"rule":"raed"');
    // #6 is in the batch #4..#9 (the last seal's own line, then the records after it) that seal #10 vouches for.
    expect(verify(edited).firstBad).toMatchObject({ seq: 4, line: 11, reason: "edited" });
    const reformatted = [...lines];
    reformatted[3] = JSON.stringify(JSON.parse(reformatted[3]!), null, 1).replace(/\n/g, "");
    expect(verify(reformatted).firstBad).toMatchObject({ seq: 3, reason: "edited" });
    const added = [...lines];
    added[2] = canonicalJson({ ...JSON.parse(added[2]!), note: "added" });
    expect(verify(added).firstBad).toMatchObject({ seq: 2, reason: "malformed" });
  });

  it("catches a rewritten log with forged seals under the signing key, and without one by an older head", async () => {
    const path = await writeSampleLog(tempLog(), { signKey: KEY });
    const lines = linesOf(path);
    const before = verify(path);
    const forged = [...lines];
    forged[8] = forged[8]!.replace('"price":5', '"price":6');
    const resealed = reseal(forged);
    // Recomputed seals agree with the edited lines: without the key, the log looks whole…
    expect(verify(resealed)).toMatchObject({ ok: false, firstBad: { reason: "bad-signature" } });
    const unsignedPath = await writeSampleLog();
    const u = linesOf(unsignedPath);
    u[8] = u[8]!.replace('"price":5', '"price":6');
    expect(verify(reseal(u)).ok).toBe(true);
    // …which is why an auditor keeps heads: the forged log's tree no longer holds the old one (see proofs.test.ts).
    expect(verify(reseal(u)).head!.root).not.toBe(verify(unsignedPath).head!.root);
    // With the key, every signature is checked.
    expect(before.signatures).toBe("unchecked");
    expect(verify(path, { trust: [TRUST] })).toMatchObject({ ok: true, signatures: "verified" });
    expect(verify(resealed, { trust: [TRUST] }).firstBad).toMatchObject({ reason: "bad-signature" });
    const stripped = lines.map((l) => (l.includes('"kind":"seal"') ? canonicalJson({ ...JSON.parse(l), sig: undefined }) : l));
    expect(verify(stripped).firstBad).toMatchObject({ reason: "bad-signature", seq: 1 });
  });

  it("checks what may follow what: a record before the open, after the close, a completion of nothing", async () => {
    const lines = linesOf(await writeSampleLog());
    expect(verify(lines.slice(2).map((l, i) => canonicalJson({ ...JSON.parse(l), seq: i }))).firstBad).toMatchObject({ reason: "malformed", line: 1 });
    const rec = await FlightRecorder.open({ memory: true, sealer: "inline" });
    await rec.append({ kind: "complete", of: 0, ok: true, errno: null, resultDigest: "0".repeat(64), durationMs: 0 });
    expect(verify(rec.lines(), { live: true }).firstBad).toMatchObject({ reason: "malformed", seq: 1 });
    const answered = await FlightRecorder.open({ memory: true, sealer: "inline" });
    const s = answered.syscallNow({ agent: PAYER, syscall: "fs.read", target: "/x", decision: { effect: "allow", rule: null, audit: [] }, outcome: { ok: true, answer: "1" } });
    answered.completeNow({ of: s.seq, ok: true, durationMs: 1 });
    expect(verify(answered.lines(), { live: true }).firstBad?.message).toMatch(/answered in its own record/);
  });

  it("reads the bytes strictly: an invalid byte or an added BOM is not the same log", async () => {
    const bytes = readFileSync(await writeSampleLog());
    const bad = Buffer.from(bytes);
    bad[bytes.indexOf("payer")] = 0xff;
    expect(verify(bad).firstBad).toMatchObject({ reason: "malformed", line: 3, message: expect.stringMatching(/UTF-8/) });
    expect(verify(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes])).ok).toBe(false);
    expect(verify(new Uint8Array(0))).toMatchObject({ ok: false, firstBad: { reason: "truncated" } });
  });

  it("calls a record nested deeper than the stack malformed instead of failing", () => {
    const deep = `{"agent":{"id":"a","name":"a","tenant":""},"args":${"[".repeat(20000)}${"]".repeat(20000)},"audit":[],"effect":"allow","kind":"syscall","rule":null,"seq":0,"syscall":"x","target":"x","ts":0}`;
    expect(verify([deep]).ok).toBe(false);
  });
});

describe("verify, logs of the first format (acp-flight/1)", () => {
  const V1 = join(here, "testdata/v1-sample.log"), V1_SEALED = join(here, "testdata/v1-sealed.log");
  const V1_KEY = { id: "k1", secret: new Uint8Array(32).fill(7) };

  it("still verify, under their HMAC key too, and read as records of the current shape", async () => {
    expect(verify(V1)).toMatchObject({ ok: true, format: "acp-flight/1", records: 14, closed: true });
    expect(verify(V1_SEALED, { v1Key: V1_KEY })).toMatchObject({ ok: true, format: "acp-flight/1", signatures: "verified" });
    const { readLog } = await import("./verify.js");
    const { records } = readLog(V1);
    expect(records[0]).toMatchObject({ kind: "open", format: "acp-flight/1", kid: null });
    expect(records.find((r) => r.kind === "syscall")).toMatchObject({ args: { item: "pen", price: 3 } });
    expect(records.find((r) => r.kind === "syscall" && r.argsDigest !== undefined)).toBeDefined();
    expect(Object.keys(records[1]!)).not.toContain("hash");
  });

  it("still fail on an edit, a cut, or the wrong key", () => {
    const lines = linesOf(V1);
    lines[4] = lines[4]!.replace('"price":90', '"price":10');
    const path = tempLog();
    writeFileSync(path, bytesOf(lines));
    expect(verify(path)).toMatchObject({ ok: false, format: "acp-flight/1", firstBad: { seq: 4, reason: "edited" } });
    const bytes = readFileSync(V1);
    expect(verify(bytes.subarray(0, bytes.length - 10)).firstBad?.reason).toBe("truncated");
    expect(verify(V1_SEALED, { v1Key: { id: "k1", secret: new Uint8Array(32).fill(8) } }).ok).toBe(false);
  });
});

describe("verify, property: random logs", () => {
  it("detects a random edit, swap or cut of a random log", async () => {
    await fc.assert(fc.asyncProperty(fc.array(fc.string({ maxLength: 40 }), { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 7 }), fc.nat(), fc.nat(), async (texts, every, a, b) => {
      const rec = await FlightRecorder.open({ memory: true, sealer: "inline", sealEvery: every, sealMs: 1e6 });
      for (const text of texts) rec.syscallNow({ agent: PAYER, syscall: "fs.read", target: `/mem/${text.length}`, decision: { effect: "allow", rule: null, audit: [] }, outcome: { ok: true, answer: JSON.stringify(text) } });
      await rec.close();
      const lines = rec.lines();
      expect(verify(lines).ok).toBe(true);
      const bytes = bytesOf(lines);
      const at = a % bytes.length;
      const edited = Buffer.from(bytes);
      edited[at] = edited[at] === 0x41 ? 0x42 : 0x41;
      expect(verify(edited).ok).toBe(false);
      const i = a % lines.length, j = b % lines.length;
      if (i !== j && lines[i] !== lines[j]) {
        const swapped = [...lines];
        [swapped[i], swapped[j]] = [swapped[j]!, swapped[i]!];
        expect(verify(swapped).ok).toBe(false);
      }
      expect(verify(bytes.subarray(0, b % bytes.length)).ok).toBe(false);
    }), { numRuns: 150 });
  });
});
