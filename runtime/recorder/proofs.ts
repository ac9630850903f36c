// Proofs over a flight log's Merkle tree (RFC 9162): that a record is in the log a tree head
// describes (inclusion), and that a log only grew since an older head (consistency). A proof is a
// small JSON document; it is checked against a head the checker already trusts (one it kept, or
// one signed by a trusted key) without the log.
import { readFileSync } from "node:fs";
import { consistencyPath, fromHex, inclusionPath, hex, isHexDigest, leafHash, treeRoot, verifyConsistency, verifyInclusion, type Digest } from "./merkle.js";
import type { SealHead } from "./record.js";
import { RecorderError } from "./recorder-error.js";
import { verifyHeadSignature, type TrustedKey } from "./sign-key.js";
import { readLog, type LogSource } from "./verify.js";

export const PROOF_FORMAT = "acp-proof/1";

export interface InclusionProof {
  format: typeof PROOF_FORMAT;
  kind: "inclusion";
  seq: number;
  /** The record's line, as the log holds it (without the newline): its leaf is hashed from it. */
  record: string;
  head: SealHead;
  path: string[];
}

export interface ConsistencyProof {
  format: typeof PROOF_FORMAT;
  kind: "consistency";
  first: { size: number; root: string };
  second: SealHead;
  path: string[];
}

export type Proof = InclusionProof | ConsistencyProof;

/** A tree head to prove against: its size and root (hash, kid and sig when a seal stated them). */
export type TrustedHead = { size: number; root: string } & Partial<SealHead>;

interface Tree {
  texts: string[];
  leaves: Digest[];
  heads: Map<number, SealHead>;
  last: SealHead | null;
}

/** Reads a log whole: its lines, their leaves and its verified seals. Throws when it does not verify (live). */
function tree(source: LogSource): Tree {
  const { result, records } = readLog(source, { live: true });
  if (result.format !== "acp-flight/2") throw new RecorderError("EFORMAT", "proofs are over acp-flight/2 logs (an acp-flight/1 log has no Merkle tree)");
  if (!result.ok) throw new RecorderError("ECHAIN", `the log does not verify (${result.firstBad!.reason} at line ${result.firstBad!.line}: ${result.firstBad!.message})`);
  const bytes = typeof source === "string" ? readFileSync(source) : Array.isArray(source) ? null : (source as Uint8Array);
  const texts: string[] = [], leaves: Digest[] = [];
  const encoder = new TextEncoder();
  if (bytes) {
    let at = 0;
    for (let i = 0; i < records.length; i++) {
      const end = bytes.indexOf(0x0a, at);
      const line = bytes.subarray(at, end);
      leaves.push(leafHash(line));
      texts.push(new TextDecoder().decode(line));
      at = end + 1;
    }
  } else {
    for (const t of (source as readonly string[]).slice(0, records.length)) { texts.push(t); leaves.push(leafHash(encoder.encode(t))); }
  }
  const heads = new Map<number, SealHead>();
  for (const r of records) if (r.kind === "seal") heads.set(r.size, { size: r.size, root: r.root, hash: r.hash, ...(r.kid ? { kid: r.kid, sig: r.sig! } : {}) });
  return { texts, leaves, heads, last: result.head };
}

function headAt(t: Tree, size: number | undefined): SealHead {
  const head = size === undefined ? t.last : t.heads.get(size);
  if (!head) throw new RecorderError("EINVAL", size === undefined ? "the log has no seal yet: nothing to prove against" : `no seal of the log covers exactly ${size} records (a proof is against a seal's head)`);
  return head;
}

/** An inclusion proof of record `seq` against the seal of `size` records (default: the last seal). */
export function proveInclusion(source: LogSource, seq: number, size?: number): InclusionProof {
  const t = tree(source);
  const head = headAt(t, size);
  if (!(Number.isInteger(seq) && seq >= 0 && seq < head.size)) throw new RecorderError("EINVAL", `#${seq} is not among the ${head.size} records the seal covers`);
  return { format: PROOF_FORMAT, kind: "inclusion", seq, record: t.texts[seq]!, head, path: inclusionPath(t.leaves, seq, head.size).map(hex) };
}

/** A consistency proof from the tree of the first `first` records to the seal of `size` (default: the last). */
export function proveConsistency(source: LogSource, first: number, size?: number): ConsistencyProof {
  const t = tree(source);
  const second = headAt(t, size);
  if (!(Number.isInteger(first) && first > 0 && first <= second.size)) throw new RecorderError("EINVAL", `no consistency proof from ${first} to ${second.size} records`);
  return {
    format: PROOF_FORMAT, kind: "consistency", first: { size: first, root: hex(treeRoot(t.leaves, 0, first)) }, second,
    path: consistencyPath(t.leaves, first, second.size).map(hex),
  };
}

/** Does the log still hold the tree an older head describes, grown? Checked against the log whole. */
export function checkGrowth(source: LogSource, old: TrustedHead): { ok: boolean; message: string; proof?: ConsistencyProof } {
  const t = tree(source);
  if (!t.last) return { ok: false, message: "the log has no seal to compare with" };
  if (old.size > t.last.size) return { ok: false, message: `the older head covers ${old.size} records, the log's last seal only ${t.last.size}: records were cut from its end` };
  const root = hex(treeRoot(t.leaves, 0, old.size));
  if (root !== old.root) return { ok: false, message: `the log's first ${old.size} records are not those the older head describes: they were rewritten` };
  const proof = proveConsistency(source, old.size);
  const checked = checkProof(proof, { head: old });
  return checked.ok ? { ok: true, message: `the log only grew: the ${old.size} records of the older head are its first ${old.size} of ${t.last.size}`, proof } : checked;
}

export interface ProofCheck {
  /** The head the proof is checked against: its size and root must be the proof's. */
  head?: TrustedHead;
  /** Or: the proof's own head is trusted when its signature verifies under one of these. */
  trust?: readonly TrustedKey[];
}

/** Checks a proof (parsed JSON) against a trusted head. */
export function checkProof(p: unknown, opts: ProofCheck): { ok: boolean; message: string } {
  const bad = (message: string) => ({ ok: false, message });
  if (!isObject(p) || p.format !== PROOF_FORMAT) return bad(`not an ${PROOF_FORMAT} proof`);
  if (!opts.head && !opts.trust?.length) return bad("a proof is only as good as the head it is checked against: give a trusted head, or keys to trust a signed one");
  if (p.kind === "inclusion") {
    const q = p as unknown as InclusionProof;
    if (!isHead(q.head) || !Number.isInteger(q.seq) || typeof q.record !== "string" || !isPath(q.path)) return bad("the inclusion proof is malformed");
    const trusted = trustHead(q.head, opts);
    if (!trusted.ok) return trusted;
    const seqOk = recordSeq(q.record) === q.seq;
    if (!seqOk) return bad(`the proof's record does not claim #${q.seq}`);
    const ok = verifyInclusion(q.seq, q.head.size, leafHash(new TextEncoder().encode(q.record)), q.path.map(fromHex), fromHex(q.head.root));
    return ok ? { ok: true, message: `#${q.seq} is record ${q.seq} of the ${q.head.size} the head covers (${trusted.message})` } : bad(`#${q.seq} is not in the tree of the head: the record or the path was changed`);
  }
  if (p.kind === "consistency") {
    const q = p as unknown as ConsistencyProof;
    if (!isHead(q.second) || !isObject(q.first) || !Number.isInteger(q.first.size) || !isHexDigest(q.first.root) || !isPath(q.path)) return bad("the consistency proof is malformed");
    // The older head is the one the checker kept; the newer is trusted by its signature, or as given.
    if (opts.head && !(opts.head.size === q.first.size && opts.head.root === q.first.root) && !(opts.head.size === q.second.size && opts.head.root === q.second.root)) {
      return bad(`the proof is not about the trusted head (${opts.head.size} records)`);
    }
    if (!opts.head) { const t = trustHead(q.second, opts); if (!t.ok) return t; }
    const ok = verifyConsistency(q.first.size, q.second.size, fromHex(q.first.root), fromHex(q.second.root), q.path.map(fromHex));
    return ok ? { ok: true, message: `the tree of ${q.second.size} records extends the tree of ${q.first.size}` } : bad(`the tree of ${q.second.size} records does not extend the one of ${q.first.size}: the path or a root was changed`);
  }
  return bad(`unknown proof kind ${JSON.stringify(p.kind)}`);
}

function trustHead(head: SealHead, opts: ProofCheck): { ok: boolean; message: string } {
  if (opts.head) {
    if (opts.head.size !== head.size || opts.head.root !== head.root) return { ok: false, message: `the proof's head (${head.size} records, root ${head.root.slice(0, 12)}…) is not the trusted one (${opts.head.size} records, root ${opts.head.root.slice(0, 12)}…)` };
    return { ok: true, message: "against the trusted head" };
  }
  const key = opts.trust!.find((k) => k.kid === head.kid);
  if (!head.kid || !head.sig) return { ok: false, message: "the proof's head is not signed, and no trusted head was given" };
  if (!key) return { ok: false, message: `the proof's head is signed by key ${head.kid}, which is not trusted` };
  if (!verifyHeadSignature(key, head.size, head.root, head.hash, head.sig)) return { ok: false, message: `the proof's head does not verify under key ${head.kid}` };
  return { ok: true, message: `its head signed by key ${head.kid}` };
}

function recordSeq(line: string): number | null {
  try { const r = JSON.parse(line) as { seq?: unknown }; return typeof r.seq === "number" ? r.seq : null; } catch { return null; }
}

/**
 * A trusted head from what a user has at hand: `SIZE:ROOT`, or JSON that is a head, a seal record,
 * a proof (its head), or `acpc audit verify --json`'s output (its head).
 */
export function parseHead(text: string): TrustedHead {
  const m = /^\s*(\d+):([0-9a-f]{64})\s*$/.exec(text);
  if (m) return { size: Number(m[1]), root: m[2]! };
  let v: unknown;
  try { v = JSON.parse(text); } catch { throw new RecorderError("EINVAL", "a head is SIZE:ROOT (64 hex) or JSON with size and root"); }
  for (const c of [v, isObject(v) ? v.head : undefined, isObject(v) ? v.second : undefined]) {
    if (isObject(c) && Number.isInteger(c.size) && isHexDigest(c.root)) return c as TrustedHead;
  }
  throw new RecorderError("EINVAL", "the JSON holds no head (an object with an integer size and a 64-hex root)");
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isHead(h: unknown): h is SealHead {
  return isObject(h) && Number.isInteger(h.size) && (h.size as number) > 0 && isHexDigest(h.root) && (h.hash === undefined || isHexDigest(h.hash));
}

function isPath(p: unknown): p is string[] {
  return Array.isArray(p) && p.length <= 64 && p.every(isHexDigest);
}
