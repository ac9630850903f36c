// Walks a log of the first format (acp-flight/1) line by line and reports the first record it
// cannot vouch for. Pure: the lines come from a file or a test.
import { canonicalJson } from "../canonical-json.js";
import { GENESIS_HASH, recomputeHash } from "./chain.js";
import { classifyBreak } from "./classify-break.js";
import { hmacSha256Hex, type RecorderKey } from "./key.js";
import { parseV1Record as parseRecord } from "./record-schema.js";
import type { V1FlightRecord as FlightRecord } from "./record.js";

export type V1BadReason = "edited" | "reordered" | "inserted" | "deleted" | "truncated" | "malformed" | "bad-seal";

export interface V1FirstBad {
  /** The seq the bad line should have carried; null when the log lacks an expected head it cannot place. */
  seq: number | null;
  /** 1-based line number. */
  line: number;
  reason: V1BadReason;
  message: string;
}

export interface V1VerifyResult {
  ok: boolean;
  /** Records verified (all of them when ok; those before the first bad one otherwise). */
  records: number;
  firstBad: V1FirstBad | null;
  /** Seal records among them (with a key: seals whose MAC verified). */
  sealed: number;
  /** The last record is `close`. Without it the log ended in a crash or was cut at a record boundary. */
  closed: boolean;
  /** With a key: the last seq a verified seal vouches for. */
  sealedThrough: number | null;
  head: { seq: number; hash: string } | null;
}

export interface V1VerifyOptions {
  /** Checks every seal's MAC (and that none is missing) under this key. */
  key?: RecorderKey;
  /** A head hash remembered from the recorder: the log must still contain it. */
  expectHead?: string;
  /** The lines continue a log whose earlier records are gone (a memory recorder's `released()`):
   * the first line must chain from this record, and may be in the middle of a session. */
  after?: { seq: number; hash: string };
}

export function checkV1Chain(lines: readonly string[], tail: string, opts: V1VerifyOptions = {}, unreadable?: V1FirstBad): { result: V1VerifyResult; records: FlightRecord[] } {
  const parsed = lines.map(parseLine);
  const linkable = parsed.map((p) => (p.ok && p.hashes ? p.record : null));
  const records: FlightRecord[] = [];
  let expectedPrev = opts.after?.hash ?? GENESIS_HASH;
  const firstSeq = opts.after ? opts.after.seq + 1 : 0;
  let sealed = 0;
  let sealedThrough: number | null = null;
  let sinceSeal = 0;
  let sealEvery: number | null = null;
  const done = (firstBad: V1FirstBad | null) => {
    const last = records.at(-1);
    const result: V1VerifyResult = {
      ok: firstBad === null, records: records.length, firstBad, sealed, sealedThrough,
      closed: firstBad === null && last?.kind === "close", head: last ? { seq: last.seq, hash: last.hash } : null,
    };
    return { result, records };
  };
  if (unreadable) return done(unreadable);

  for (let i = 0; i < parsed.length; i++) {
    const p = parsed[i]!;
    const expectedSeq = records.length ? records.at(-1)!.seq + 1 : firstSeq;
    const bad = (reason: V1BadReason, message: string, index = i, seq: number | null = expectedSeq) => {
      records.length = Math.min(records.length, index);
      return done({ seq, line: index + 1, reason, message });
    };
    if (!p.ok) return bad("malformed", p.message);
    const r = p.record;
    if (!p.hashes) return bad("edited", `#${r.seq}'s hash does not match its content`);
    if (!p.canonical) return bad("edited", `#${r.seq} is not in canonical form`);
    if (r.prev !== expectedPrev || r.seq !== expectedSeq) {
      const b = classifyBreak(linkable, i, expectedSeq, expectedPrev);
      return bad(b.reason, b.message, b.index, b.seq);
    }
    const prevKind = records.at(-1)?.kind ?? (opts.after ? "continued" : undefined);
    if ((prevKind === undefined || prevKind === "close") && r.kind !== "open") return bad("malformed", `#${r.seq} is a ${r.kind} record where a session must open`);
    if (r.kind === "complete" && r.of >= r.seq) return bad("malformed", `#${r.seq} completes #${r.of}, which is not before it`);
    if (r.kind === "open") {
      // With a key, every session must be sealed under it: the chain alone anyone can recompute, so
      // a session that says it is unsealed (or sealed by another key) would vouch for nothing.
      if (opts.key && (r.keyId !== opts.key.id || r.sealEvery === null)) {
        return bad("bad-seal", `session #${r.seq} is ${r.keyId === null ? "not sealed" : `sealed by key \`${r.keyId}\``}, not by key \`${opts.key.id}\``);
      }
      sinceSeal = 0;
      sealEvery = opts.key ? r.sealEvery : null;
    }
    if (r.kind === "seal") {
      if (r.through !== r.seq - 1) return bad("malformed", `seal #${r.seq} claims to seal #${r.through}`);
      if (opts.key) {
        if (r.keyId !== opts.key.id) return bad("bad-seal", `seal #${r.seq} is under key \`${r.keyId}\`, not \`${opts.key.id}\``);
        if (hmacSha256Hex(opts.key.secret, r.prev) !== r.mac) return bad("bad-seal", `seal #${r.seq} does not verify under key \`${opts.key.id}\``);
        sealedThrough = r.through;
      }
      sealed++;
      sinceSeal = 0;
    } else if (sealEvery !== null && r.kind === "close" && sinceSeal > 0) {
      return bad("bad-seal", `the session closes without sealing its last ${sinceSeal} record(s)`);
    } else if (sealEvery !== null && r.kind !== "close" && ++sinceSeal > sealEvery) {
      return bad("bad-seal", `a seal is missing before #${r.seq} (the log seals every ${sealEvery} records)`);
    }
    records.push(r);
    expectedPrev = r.hash;
  }
  const nextSeq = records.length ? records.at(-1)!.seq + 1 : firstSeq;
  if (tail.length > 0) return done({ seq: nextSeq, line: lines.length + 1, reason: "truncated", message: `the last line is a partial record (${tail.length} characters, no newline)` });
  if (opts.expectHead !== undefined && !records.some((r) => r.hash === opts.expectHead)) {
    return done({ seq: null, line: lines.length + 1, reason: "truncated", message: `the log does not contain the expected head ${opts.expectHead.slice(0, 12)}…: records were cut from its end or rewritten` });
  }
  return done(null);
}

type Line = { ok: true; record: FlightRecord; hashes: boolean; canonical: boolean } | { ok: false; message: string };

function parseLine(text: string): Line {
  let json: unknown;
  try { json = JSON.parse(text); } catch { return { ok: false, message: "not JSON" }; }
  try {
    const p = parseRecord(json);
    if (!p.ok) return { ok: false, message: `not a record (${p.message})` };
    return { ok: true, record: p.record, hashes: recomputeHash(p.record) === p.record.hash, canonical: canonicalJson(json) === text };
  } catch (e) {
    // A record nested deeper than the host's stack (no recorder writes one; args over the inline cap are a digest).
    if (e instanceof RangeError) return { ok: false, message: "nested too deeply to check" };
    throw e;
  }
}
