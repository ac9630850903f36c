import { readFileSync, truncateSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { canonicalJson } from "./canonical-json.js";
import { recomputeHash } from "./chain.js";
import { KEY, tempLog, writeSampleLog } from "./testdata/sample-log.js";
import { verify } from "./verify.js";

const linesOf = (path: string) => readFileSync(path, "utf8").split("\n").slice(0, -1);
const write = (path: string, lines: string[]) => writeFileSync(path, lines.map((l) => l + "\n").join(""));

/** A forged record: `fields` over record `base`, with a hash that is right for its own content. */
function forge(base: string, fields: Record<string, unknown>): string {
  const r = { ...JSON.parse(base), ...fields };
  delete r.hash;
  return canonicalJson({ ...r, hash: recomputeHash(r) });
}

/** Rewrites the chain from line `from` on, as an attacker without the seal key can. */
function rechain(lines: string[], from: number): string[] {
  const out = lines.slice(0, from);
  lines.slice(from).forEach((l, i) => {
    const seq = from + i;
    out.push(forge(l, { prev: JSON.parse(out.at(-1)!).hash, seq, ...(JSON.parse(l).kind === "seal" ? { through: seq - 1 } : {}) }));
  });
  return out;
}

describe("verify", () => {
  it("accepts an untouched log: every record, closed", async () => {
    const r = verify(await writeSampleLog());
    expect(r).toMatchObject({ ok: true, records: 14, firstBad: null, closed: true, sealed: 0 });
    expect(r.head?.seq).toBe(13);
  });

  it("accepts the same log given as lines or bytes", async () => {
    const path = await writeSampleLog();
    expect(verify(linesOf(path)).ok).toBe(true);
    expect(verify(new Uint8Array(readFileSync(path))).records).toBe(14);
  });

  it("finds a one-byte edit of a field at that record", async () => {
    const path = await writeSampleLog();
    const lines = linesOf(path);
    lines[4] = lines[4]!.replace('"price":90', '"price":10');
    write(path, lines);
    expect(verify(path)).toMatchObject({ ok: false, records: 4, firstBad: { seq: 4, line: 5, reason: "edited" } });
  });

  it("treats a reformatted record as edited, even though its content still hashes", async () => {
    const path = await writeSampleLog();
    const lines = linesOf(path);
    lines[3] = JSON.stringify(JSON.parse(lines[3]!), null, 1).replace(/\n/g, "");
    write(path, lines);
    expect(verify(path).firstBad).toMatchObject({ seq: 3, reason: "edited" });
  });

  it("finds two swapped lines where the order first breaks", async () => {
    const path = await writeSampleLog();
    const lines = linesOf(path);
    [lines[5], lines[6]] = [lines[6]!, lines[5]!];
    write(path, lines);
    expect(verify(path)).toMatchObject({ ok: false, records: 5, firstBad: { seq: 5, line: 6, reason: "reordered" } });
  });

  it("finds a record moved far ahead of its place", async () => {
    const path = await writeSampleLog();
    const lines = linesOf(path);
    const [moved] = lines.splice(9, 1);
    lines.splice(3, 0, moved!);
    write(path, lines);
    expect(verify(path).firstBad).toMatchObject({ seq: 3, line: 4, reason: "reordered" });
  });

  it("finds an inserted record that carries a correct hash of its own and links to its predecessor", async () => {
    const path = await writeSampleLog();
    const lines = linesOf(path);
    const forged = forge(lines[7]!, { kind: "syscall", seq: 8, prev: JSON.parse(lines[7]!).hash, args: { item: "gun", price: 5 }, effect: "allow", rule: "cheap" });
    lines.splice(8, 0, forged);
    write(path, lines);
    expect(verify(path)).toMatchObject({ ok: false, records: 8, firstBad: { seq: 8, line: 9, reason: "inserted" } });
  });

  it("finds an inserted record that does not link anywhere", async () => {
    const path = await writeSampleLog();
    const lines = linesOf(path);
    lines.splice(8, 0, forge(lines[7]!, { seq: 8, prev: "f".repeat(64) }));
    write(path, lines);
    expect(verify(path).firstBad).toMatchObject({ seq: 8, line: 9, reason: "inserted" });
  });

  it("finds a deleted record, and a deleted first record", async () => {
    const path = await writeSampleLog();
    const lines = linesOf(path);
    write(path, lines.filter((_, i) => i !== 6));
    expect(verify(path)).toMatchObject({ ok: false, records: 6, firstBad: { seq: 6, line: 7, reason: "deleted" } });
    write(path, lines.slice(1));
    expect(verify(path).firstBad).toMatchObject({ seq: 0, line: 1, reason: "deleted" });
  });

  it("finds a record rewritten with a recomputed hash where the next one stops following it", async () => {
    const path = await writeSampleLog();
    const lines = linesOf(path);
    lines[7] = forge(lines[7]!, { effect: "allow", rule: "cheap" });
    write(path, lines);
    expect(verify(path).firstBad).toMatchObject({ seq: 7, line: 8, reason: "edited" });
  });

  it("reports a file cut mid-line as a truncated tail, with every earlier record intact", async () => {
    const path = await writeSampleLog();
    const size = readFileSync(path).length;
    truncateSync(path, size - 20);
    expect(verify(path)).toMatchObject({ ok: false, records: 13, closed: false, firstBad: { seq: 13, line: 14, reason: "truncated" } });
  });

  it("cannot tell a cut at a record boundary from a crash without an anchor, and says so", async () => {
    const path = await writeSampleLog();
    const head = verify(path).head!.hash;
    write(path, linesOf(path).slice(0, 10));
    expect(verify(path)).toMatchObject({ ok: true, records: 10, closed: false });
    expect(verify(path, { expectHead: head })).toMatchObject({ ok: false, firstBad: { seq: null, line: 11, reason: "truncated" } });
    const earlier = verify(path).head!.hash;
    expect(verify(path, { expectHead: earlier }).ok).toBe(true);
  });

  it("calls a line that is not a record malformed", async () => {
    const path = await writeSampleLog();
    const lines = linesOf(path);
    lines[2] = "{not json";
    write(path, lines);
    expect(verify(path).firstBad).toMatchObject({ seq: 2, line: 3, reason: "malformed" });
    lines[2] = '{"seq":2}';
    write(path, lines);
    expect(verify(path).firstBad?.reason).toBe("malformed");
  });

  it("an empty file verifies as an unclosed log of no records", () => {
    const path = tempLog();
    writeFileSync(path, "");
    expect(verify(path)).toMatchObject({ ok: true, records: 0, closed: false, head: null });
  });
});

describe("seals", () => {
  it("verify under the key, and vouch through the last sealed record", async () => {
    const path = await writeSampleLog(tempLog(), { key: KEY, sealEvery: 4 });
    const r = verify(path, { key: KEY });
    expect(r).toMatchObject({ ok: true, closed: true, sealed: 4 });
    const last = linesOf(path).map((l) => JSON.parse(l)).filter((x) => x.kind === "seal").at(-1);
    expect(r.sealedThrough).toBe(last.through);
    expect(verify(path)).toMatchObject({ ok: true, sealed: 4, sealedThrough: null });
  });

  it("fail under a wrong secret or a different key id", async () => {
    const path = await writeSampleLog(tempLog(), { key: KEY, sealEvery: 4 });
    const firstSeal = linesOf(path).map((l) => JSON.parse(l)).find((x) => x.kind === "seal");
    expect(verify(path, { key: { id: "k1", secret: new Uint8Array(32).fill(8) } }).firstBad).toMatchObject({ seq: firstSeal.seq, reason: "bad-seal" });
    expect(verify(path, { key: { id: "k2", secret: KEY.secret } }).firstBad?.reason).toBe("bad-seal");
  });

  it("catch a tail rewritten with a consistent chain, which hashes alone cannot", async () => {
    const path = await writeSampleLog(tempLog(), { key: KEY, sealEvery: 4 });
    const lines = linesOf(path);
    lines[8] = forge(lines[8]!, { effect: "allow", rule: "cheap", ok: true });
    write(path, rechain(lines, 8));
    expect(verify(path).ok).toBe(true);
    expect(verify(path, { key: KEY }).firstBad?.reason).toBe("bad-seal");
  });

  it("catch a seal dropped from a rewritten chain, in the middle or before close", async () => {
    const path = await writeSampleLog(tempLog(), { key: KEY, sealEvery: 4 });
    const lines = linesOf(path);
    const seals = lines.flatMap((l, i) => (JSON.parse(l).kind === "seal" ? [i] : []));
    for (const [at, says] of [[seals[1]!, /a seal is missing/], [seals.at(-1)!, /closes without sealing/]] as const) {
      const cut = lines.filter((_, i) => i !== at);
      write(path, rechain(cut, at));
      expect(verify(path).ok).toBe(true);
      const r = verify(path, { key: KEY });
      expect(r.firstBad?.reason).toBe("bad-seal");
      expect(r.firstBad?.message).toMatch(says);
    }
  });

  it("refuse, under a key, a session that says it is unsealed or sealed by another key: a forger rewrites that too", async () => {
    const path = await writeSampleLog(tempLog(), { key: KEY, sealEvery: 4 });
    const lines = linesOf(path);
    // Drop every seal, mark the session unsealed (or another key's), flip a decision, recompute the chain.
    const flipped = lines.findIndex((l) => JSON.parse(l).kind === "syscall");
    for (const open of [{ keyId: null, sealEvery: null }, { keyId: "k9", sealEvery: 1_000_000 }]) {
      // Renumbered without the seals; completions follow the syscalls they complete.
      const renumber = new Map<number, number>();
      const kept = lines.filter((l) => JSON.parse(l).kind !== "seal").map((l, i) => {
        const r = JSON.parse(l);
        renumber.set(r.seq, i);
        return i === 0 ? forge(l, open) : r.kind === "complete" ? forge(l, { of: renumber.get(r.of) }) : l;
      });
      const at = kept.findIndex((l) => l === lines[flipped]);
      kept[at] = forge(kept[at]!, { effect: JSON.parse(kept[at]!).effect === "allow" ? "deny" : "allow" });
      write(path, rechain(kept, 1)); // kept[0] was forged whole (it chains from the genesis hash)
      expect(verify(path).firstBad).toBeNull(); // the chain alone is intact
      const r = verify(path, { key: KEY });
      expect(r.firstBad).toMatchObject({ seq: 0, reason: "bad-seal" });
      expect(r.firstBad?.message).toMatch(/session #0 is (not sealed|sealed by key `k9`), not by key/);
    }
    // A sealed log with an unsealed session appended after its close is refused the same way.
    const sealed = linesOf(await writeSampleLog(tempLog(), { key: KEY, sealEvery: 4 }));
    const more = linesOf(await writeSampleLog(tempLog()));
    write(path, rechain([...sealed, ...more], sealed.length));
    expect(verify(path, { key: KEY }).firstBad).toMatchObject({ seq: sealed.length, reason: "bad-seal" });
  });

  it("read the bytes strictly: a changed invalid byte or an added BOM is not the same log", async () => {
    const path = await writeSampleLog(tempLog());
    const bytes = readFileSync(path);
    expect(verify(path).ok).toBe(true);
    writeFileSync(path, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes]));
    expect(verify(path).ok).toBe(false);
    const bad = Buffer.from(bytes);
    bad[bad.indexOf(0x22)] = 0xff; // the first quote: not UTF-8 at all
    writeFileSync(path, bad);
    expect(verify(path).firstBad).toMatchObject({ line: 1, reason: "malformed", message: "the log is not valid UTF-8" });
  });

  it("call a record nested deeper than the stack malformed instead of failing", async () => {
    const path = await writeSampleLog(tempLog());
    const lines = linesOf(path);
    const deep = "[".repeat(200_000) + "]".repeat(200_000);
    const at = lines.findIndex((l) => JSON.parse(l).kind === "syscall");
    // Free-form args (where the schema takes any JSON), so only canonicalizing it can overflow.
    lines[at] = lines[at]!.replace(/"argsDigest":/, `"args":${deep},"argsDigest":`);
    write(path, lines);
    const r = verify(path);
    expect(r.firstBad).toMatchObject({ line: at + 1, reason: "malformed" });
    expect(r.records).toBe(at);
  });
});
