// Checks a flight log (acp-flight/2) a line at a time and reports the first record it cannot vouch
// for. Every record is checked as it comes (JSON, schema, canonical form, seq, session structure);
// every seal is recomputed from the lines it covers (their batch hash and the Merkle root over all
// lines before it) and, given trusted keys, its signature checked. What is not yet sealed is kept
// (its leaves and bytes) until a seal covers it, so the same checker serves `acpc audit verify` and
// a recorder reopening its file (which continues from the checker's state).
import * as crypto from "node:crypto";
import { canonicalJson } from "./canonical-json.js";
import { Frontier, fromHex, hex, leafHash, type Digest } from "./merkle.js";
import { parseRecord } from "./record-schema.js";
import { headOf, type FlightRecord, type SealHead, type SealRecord } from "./record.js";
import { verifyHeadSignature, type TrustedKey } from "./sign-key.js";

export type BadReason = "malformed" | "edited" | "reordered" | "inserted" | "deleted" | "truncated" | "unsealed" | "not-closed" | "bad-seal" | "bad-signature";

export interface FirstBad {
  /** The seq the bad line should have carried (for a batch, its first record); null when unknown. */
  seq: number | null;
  /** 1-based line number. */
  line: number;
  reason: BadReason;
  message: string;
}

/** Where a log segment starts when the records before it were shipped and released: the last
 * seal's size and hash, and the Merkle frontier at that size. */
export interface Checkpoint {
  size: number;
  hash: string;
  frontier: string[];
}

export interface CheckOptions {
  /** Check every seal's signature under these keys (and refuse sessions that are not signed). */
  trust?: readonly TrustedKey[];
  /** The log may still be written: an unsealed tail, no `close`, a partial last line are not faults. */
  live?: boolean;
  /** The lines continue a log whose earlier records are gone (FlightRecorder.release). */
  after?: Checkpoint;
}

export interface VerifyResult {
  ok: boolean;
  format: "acp-flight/2" | "acp-flight/1";
  /** Records checked (all of them when ok; those before the first bad one otherwise). */
  records: number;
  firstBad: FirstBad | null;
  /** Seals recomputed and found right. */
  seals: number;
  /** The last seq a verified seal vouches for. */
  sealedThrough: number | null;
  /** Records after the last verified seal (allowed with `live`). */
  unsealed: number;
  /** The last session closed and its close was sealed. */
  closed: boolean;
  /** verified: every seal's signature checked under a trusted key; unchecked: signed, but no key
   * was given to check with; unsigned: no session was signed. */
  signatures: "verified" | "unchecked" | "unsigned";
  /** The last verified seal: the tree head an auditor keeps. */
  head: SealHead | null;
  sessions: number;
  /** Sessions that opened after a crash of the one before. */
  recovered: number;
  /** Bytes of a partial last line (allowed with `live`). */
  partialBytes: number;
}

/** The state a recorder continues from when it appends to a checked log. */
export interface AppendState {
  nextSeq: number;
  sealedSize: number;
  sealedHash: Digest;
  /** The Merkle frontier over the sealed lines (the next seal adds the unsealed ones). */
  frontier: Frontier;
  /** The lines after the last seal, newline included: the next seal covers them too. */
  unsealed: Uint8Array[];
  /** How many of them are records other than seals. */
  unsealedRecords: number;
  closed: boolean;
}

const ZERO: Digest = "\0".repeat(32);

export class LogChecker {
  private next: number;
  private line = 0;
  private bad: FirstBad | null = null;
  private count = 0;
  private sealedSize: number;
  private sealedHash: Digest;
  /** The frontier at sealedSize. */
  private sealedFrontier: Frontier;
  /** Lines since sealedSize: their leaves and bytes (newline included), and whether each is a seal
   * (a seal's own line needs no later seal: it is recomputed, and signed). */
  private window: { leaf: Digest; bytes: Uint8Array; seal: boolean; ts: number }[] = [];
  private seals = 0;
  private head: SealHead | null = null;
  /** null: no session has opened yet (a segment starts inside one). */
  private session: { kid: string | null } | null = null;
  private closed = false;
  private started: boolean;
  private sessions = 0;
  private crashes = 0;
  private signedSessions = 0;
  /** Syscall intents still waiting for their `complete`. */
  private readonly intents = new Set<number>();
  readonly records: FlightRecord[] = [];

  constructor(private readonly opts: CheckOptions = {}, private readonly keep = true) {
    const a = opts.after;
    this.next = a ? a.size : 0;
    this.sealedSize = a ? a.size : 0;
    this.sealedHash = a ? fromHex(a.hash) : ZERO;
    this.sealedFrontier = a ? Frontier.fromHex(a.size, a.frontier) : Frontier.empty();
    // A segment may begin in the middle of a session.
    this.started = a !== undefined;
    if (a) this.session = { kid: null };
  }

  get failed(): boolean { return this.bad !== null; }

  /** One line: its text (without the newline) and its bytes (with it). False once the log has gone bad. */
  add(text: string, line: Uint8Array): boolean {
    if (this.bad) return false;
    this.line++;
    const seq = this.next;
    const fail = (reason: BadReason, message: string, at: number | null = seq): false => {
      this.bad = { seq: at, line: this.line, reason, message };
      return false;
    };
    let json: unknown;
    try { json = JSON.parse(text); } catch { return fail("malformed", "not JSON"); }
    const p = parseRecord(json);
    if (!p.ok) return fail("malformed", `not a record (${p.message})`);
    const r = p.record;
    let canonical: boolean;
    try { canonical = canonicalJson(json) === text; } catch { return fail("malformed", "nested too deeply to check"); }
    if (!canonical) return fail("edited", `#${r.seq} is not in canonical form`);
    if (r.seq !== seq) {
      if (r.seq > seq) return fail("deleted", `${r.seq - seq === 1 ? `#${seq} is` : `#${seq}..#${r.seq - 1} are`} missing (or moved): the next line is #${r.seq}`);
      return fail(r.seq === seq - 1 ? "inserted" : "reordered", `a record claiming #${r.seq} stands where #${seq} belongs`);
    }
    const structural = this.structure(r);
    if (structural) return fail("malformed", structural);
    if (r.kind === "seal") {
      const broken = this.seal(r);
      if (broken) return fail(broken.reason, broken.message, broken.seq);
    }
    this.window.push({ leaf: leafHash(line.subarray(0, line.length - 1)), bytes: line, seal: r.kind === "seal", ts: r.ts });
    this.next++;
    this.count++;
    if (this.keep) this.records.push(r);
    return true;
  }

  /** Session rules: what may follow what. A message when the record breaks one. */
  private structure(r: FlightRecord): string | null {
    if (!this.started && r.kind !== "open") return `#${r.seq} is a ${r.kind} record where the log must open`;
    switch (r.kind) {
      case "open":
        if (this.session && !this.closed && r.recovered === undefined) return `session #${r.seq} opens before the one before it closed`;
        if (this.session && !this.closed) this.crashes++;
        this.started = true;
        this.session = { kid: r.kid };
        this.closed = false;
        this.sessions++;
        if (r.kid !== null) this.signedSessions++;
        return null;
      case "seal":
        return null;
      case "close":
        if (this.closed) return `#${r.seq} closes a session already closed`;
        this.closed = true;
        return null;
    }
    if (this.closed) return `#${r.seq} is a ${r.kind} record after the session closed`;
    if (r.kind === "syscall" && r.ok === undefined && r.within === undefined) this.intents.add(r.seq);
    if (r.kind === "complete") {
      if (r.of >= r.seq) return `#${r.seq} completes #${r.of}, which is not before it`;
      const inLog = r.of >= (this.opts.after?.size ?? 0);
      if (inLog && !this.intents.has(r.of)) return `#${r.seq} completes #${r.of}, which is no syscall waiting for its outcome (none, one answered in its own record, or one completed already)`;
      this.intents.delete(r.of);
    }
    return null;
  }

  private seal(s: SealRecord): { reason: BadReason; message: string; seq: number } | null {
    const from = this.sealedSize;
    // A segment after a release starts with the very seal its checkpoint names: it must be that one.
    if (this.opts.after && this.count === 0 && s.size === from) {
      if (s.hash === hex(this.sealedHash) && s.root === hex(this.sealedFrontier.root())) { this.seals++; this.head = headOf(s); return null; }
      return { reason: "bad-seal", message: `seal #${s.seq} is not the seal the checkpoint names (${from} records)`, seq: s.seq };
    }
    if (s.size <= from || s.size > s.seq) {
      return { reason: "bad-seal", message: `seal #${s.seq} claims to cover the records before #${s.size}, but the last seal covered those before #${from}`, seq: s.seq };
    }
    const n = s.size - from;
    const frontier = this.sealedFrontier.clone();
    const batch = crypto.createHash("sha256").update(Buffer.from(this.sealedHash, "latin1"));
    for (let i = 0; i < n; i++) {
      const w = this.window[i]!;
      frontier.push(w.leaf);
      batch.update(w.bytes);
    }
    const hash = batch.digest("hex");
    // A seal is dated by the last record it covers, so that nothing of its line goes unchecked.
    if (s.ts !== this.window[n - 1]!.ts) return { reason: "edited", message: `seal #${s.seq} is dated ${s.ts}, not as #${s.size - 1}, the last record it covers (${this.window[n - 1]!.ts})`, seq: s.seq };
    const root = hex(frontier.root());
    if (hash !== s.hash || root !== s.root) {
      return { reason: "edited", message: `#${from}..#${s.size - 1} are not what seal #${s.seq} vouches for: a record there (or the seal) was changed after it was sealed`, seq: from };
    }
    const kid = this.session?.kid ?? null;
    const trust = this.opts.trust;
    if (kid === null) {
      if (s.sig !== undefined || s.kid !== undefined) return { reason: "bad-signature", message: `seal #${s.seq} is signed in a session that opened unsigned`, seq: s.seq };
      if (trust?.length) return { reason: "bad-signature", message: `seal #${s.seq} is not signed, and signatures were asked for`, seq: s.seq };
    } else {
      if (s.kid !== kid || s.sig === undefined) return { reason: "bad-signature", message: `seal #${s.seq} is not signed by the session's key ${kid}`, seq: s.seq };
      if (trust?.length) {
        const key = trust.find((k) => k.kid === kid);
        if (!key) return { reason: "bad-signature", message: `seal #${s.seq} is signed by key ${kid}, which is not among the trusted keys`, seq: s.seq };
        if (!verifyHeadSignature(key, s.size, s.root, s.hash, s.sig)) return { reason: "bad-signature", message: `seal #${s.seq}'s signature does not verify under key ${kid}`, seq: s.seq };
      }
    }
    this.sealedFrontier = frontier;
    this.sealedSize = s.size;
    this.sealedHash = fromHex(s.hash);
    this.window.splice(0, n);
    this.seals++;
    this.head = headOf(s);
    return null;
  }

  /** The verdict, once every line is in; `partialBytes` follow the last newline. */
  finish(partialBytes = 0): VerifyResult {
    const live = this.opts.live === true;
    if (!this.bad) {
      const seq = this.next;
      const at = this.line + 1;
      if (partialBytes > 0 && !live) this.bad = { seq, line: at, reason: "truncated", message: `the last line is a partial record (${partialBytes} bytes, no newline)` };
      else if (!this.started && !live) this.bad = { seq, line: at, reason: "truncated", message: "the log holds no record" };
      else if (this.unsealed() > 0 && !live) {
        const first = this.sealedSize + this.window.findIndex((w) => !w.seal), last = this.next - 1;
        this.bad = { seq: first, line: at, reason: "unsealed", message: `${first === last ? `#${first} is` : `#${first}..#${last} are`} not sealed: the recorder stopped before sealing them, or the log was cut (give --live for a log still being written)` };
      } else if (this.started && !this.closed && !live) {
        this.bad = { seq, line: at, reason: "not-closed", message: "the log ends without its session's close: the recorder crashed, or the log was cut at a seal (give --live for a log still being written)" };
      }
    }
    const signed = this.signedSessions > 0;
    return {
      ok: this.bad === null, format: "acp-flight/2", records: this.count, firstBad: this.bad, seals: this.seals,
      sealedThrough: this.head ? this.head.size - 1 : null, unsealed: this.unsealed(),
      closed: this.bad === null && this.closed && this.unsealed() === 0,
      signatures: !signed ? "unsigned" : this.opts.trust?.length ? "verified" : "unchecked",
      head: this.head, sessions: this.sessions, recovered: this.crashes, partialBytes: live ? partialBytes : 0,
    };
  }

  /** Records after the last seal's size, seals aside. */
  private unsealed(): number {
    let n = 0;
    for (const w of this.window) if (!w.seal) n++;
    return n;
  }

  /** What a recorder appending to this log continues from (call after finish, on a good log). */
  appendState(): AppendState {
    return { nextSeq: this.next, sealedSize: this.sealedSize, sealedHash: this.sealedHash, frontier: this.sealedFrontier.clone(), unsealed: this.window.map((w) => w.bytes), unsealedRecords: this.unsealed(), closed: this.closed };
  }
}
