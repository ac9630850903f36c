// Inclusion and consistency proofs over real logs: each verifies against its head for every record
// and every older seal, and fails for a wrong record, index, path or head.
import { readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { FlightRecorder } from "./recorder.js";
import { checkGrowth, checkProof, parseHead, proveConsistency, proveInclusion } from "./proofs.js";
import { generateKeyPair, trustedKey } from "./sign-key.js";
import { KEY, PAYER, TRUST, fill, tempLog, writeSampleLog } from "./testdata/sample-log.js";
import { verify } from "./verify.js";

const readJson = (x: unknown) => JSON.parse(JSON.stringify(x));

describe("inclusion proofs", () => {
  it("prove every record of a log against its last seal, and against every earlier seal that covers it", async () => {
    const path = await writeSampleLog(tempLog(), { signKey: KEY });
    const head = verify(path).head!;
    const sizes = readFileSync(path, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l)).filter((r) => r.kind === "seal").map((r) => r.size as number);
    for (let seq = 0; seq < head.size; seq++) {
      const p = proveInclusion(path, seq);
      expect(p).toMatchObject({ kind: "inclusion", seq, head });
      expect(checkProof(readJson(p), { head })).toMatchObject({ ok: true });
      // A signed head needs no head given: a trusted key is enough.
      expect(checkProof(p, { trust: [TRUST] })).toMatchObject({ ok: true });
      for (const size of sizes.filter((s) => s > seq)) expect(checkProof(proveInclusion(path, seq, size), { head: { size, root: p.head.size === size ? p.head.root : proveInclusion(path, seq, size).head.root } }).ok).toBe(true);
    }
  });

  it("fail for a changed record, a record claiming another seq, a changed path, another head or an untrusted key", async () => {
    const path = await writeSampleLog(tempLog(), { signKey: KEY });
    const head = verify(path).head!;
    const p = proveInclusion(path, 6);
    expect(checkProof({ ...p, record: p.record.replace('"rule":"read"', '"rule":"raed"') }, { head }).ok).toBe(false);
    expect(checkProof({ ...p, seq: 7 }, { head }).ok).toBe(false);
    expect(checkProof({ ...p, path: [...p.path.slice(1), p.path[0]] }, { head }).ok).toBe(false);
    expect(checkProof({ ...p, path: p.path.slice(0, -1) }, { head }).ok).toBe(false);
    expect(checkProof(p, { head: { size: head.size, root: "0".repeat(64) } }).ok).toBe(false);
    const other = generateKeyPair();
    expect(checkProof(p, { trust: [trustedKey(other.publicPem)] })).toMatchObject({ ok: false, message: expect.stringMatching(/not trusted/) });
    expect(checkProof({ ...p, head: { ...p.head, sig: "00".repeat(64) } }, { trust: [TRUST] }).ok).toBe(false);
    expect(checkProof(p, {})).toMatchObject({ ok: false, message: expect.stringMatching(/trusted head/) });
    expect(() => proveInclusion(path, head.size)).toThrow(/not among/);
    expect(() => proveInclusion(path, 0, 3)).toThrow(/no seal/);
  });

  it("prove records of a large memory log whose seals were made on the sealer thread", async () => {
    const rec = await FlightRecorder.open({ memory: true, sealEvery: 256 });
    for (let i = 0; i < 5000; i++) rec.syscallNow({ agent: PAYER, syscall: "fs.read", target: `/mem/f${i % 17}`, decision: { effect: "allow", rule: null, audit: [] }, outcome: { ok: true, answer: String(i) } });
    const head = (await rec.seal())!;
    await rec.close();
    const lines = rec.lines();
    for (const seq of [0, 1, 255, 256, 257, 1023, 4999, head.size - 1]) {
      const p = proveInclusion(lines, seq, head.size);
      expect(checkProof(p, { head }).ok, `#${seq}`).toBe(true);
    }
  });
});

describe("consistency proofs", () => {
  it("prove every older seal's tree a prefix of the last, and of a log reopened and grown", async () => {
    const path = await writeSampleLog(tempLog(), { signKey: KEY });
    const rec = await FlightRecorder.open({ path, signKey: KEY });
    await fill(rec);
    await rec.close();
    const seals = readFileSync(path, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l)).filter((r) => r.kind === "seal");
    const last = verify(path).head!;
    for (const old of seals) {
      const p = proveConsistency(path, old.size);
      expect(checkProof(readJson(p), { head: { size: old.size, root: old.root } }), `from ${old.size}`).toMatchObject({ ok: true });
      expect(checkProof(p, { trust: [TRUST] }).ok).toBe(true);
      expect(checkGrowth(path, parseHead(`${old.size}:${old.root}`)).ok).toBe(true);
      if (old.size < last.size) {
        expect(checkProof({ ...p, path: p.path.slice(1) }, { head: { size: old.size, root: old.root } }).ok).toBe(false);
        expect(checkProof({ ...p, first: { size: old.size, root: last.root } }, { trust: [TRUST] }).ok).toBe(false);
      }
    }
  });

  it("catch a log rewritten after the head was kept, even with its seals recomputed, and one cut short", async () => {
    const path = await writeSampleLog();
    const kept = verify(path).head!;
    const rec = await FlightRecorder.open({ path });
    await fill(rec);
    await rec.close();
    expect(checkGrowth(path, kept)).toMatchObject({ ok: true });
    // The forger edits a record the kept head covers and reseals everything (verify alone cannot tell).
    const lines = readFileSync(path, "utf8").split("\n");
    lines[8] = lines[8]!.replace('"price":5', '"price":6');
    const { freshChain, lineSpans, sealBatch } = await import("./seal.js");
    const { canonicalJson } = await import("./canonical-json.js");
    const chain = freshChain();
    let from = 0;
    for (let i = 0; i < lines.length - 1; i++) {
      const r = JSON.parse(lines[i]!);
      if (r.kind !== "seal") continue;
      const covered = lines.slice(from, r.size).map((l) => Buffer.from(l + "\n"));
      lines[i] = canonicalJson({ ...r, ...sealBatch(chain, lineSpans(covered)) });
      from = r.size;
    }
    writeFileSync(path, lines.join("\n"));
    expect(verify(path).ok).toBe(true);
    expect(checkGrowth(path, kept)).toMatchObject({ ok: false, message: expect.stringMatching(/rewritten/) });
    // Cut back below the kept head.
    const short = tempLog();
    writeFileSync(short, readFileSync(await writeSampleLog(), "utf8").split("\n").slice(0, 11).join("\n") + "\n");
    expect(checkGrowth(short, kept)).toMatchObject({ ok: false });
  });

  it("read heads from what an auditor keeps: SIZE:ROOT, a seal, a proof, verify's output", async () => {
    const path = await writeSampleLog();
    const r = verify(path);
    const h = r.head!;
    expect(parseHead(`${h.size}:${h.root}`)).toEqual({ size: h.size, root: h.root });
    expect(parseHead(JSON.stringify(r))).toMatchObject({ size: h.size, root: h.root });
    expect(parseHead(JSON.stringify(proveInclusion(path, 2)))).toMatchObject({ size: h.size });
    expect(() => parseHead("12:abc")).toThrow();
    expect(() => parseHead(`{"size":1}`)).toThrow();
  });
});
