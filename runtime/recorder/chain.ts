// One link of the hash chain: a record's hash is SHA-256 over `prev` followed by the canonical JSON
// of the record without `hash`, so editing, dropping or moving any record breaks every later link.
import { canonicalJson, quotedKey } from "./canonical-json.js";
import { sha256Hex } from "./digest.js";
import type { RecordBody, SyscallBody } from "./record.js";

/** `prev` of the first record. */
export const GENESIS_HASH = "0".repeat(64);

export interface Linked {
  seq: number;
  hash: string;
  /** The record's canonical JSON and a newline: exactly what goes into the log. */
  line: string;
}

const CHAIN_KEYS = ["prev", "seq", "ts"] as const;

/**
 * Chains a body after `prev`. Each member is serialized once, into the half that sorts before
 * `hash` or the half after it: the hashed text is the two halves, the line has `hash` between them.
 */
export function linkRecord(body: RecordBody, seq: number, ts: number, prev: string): Linked {
  // The two records every syscall writes have fixed keys: their halves are written directly, in the
  // same canonical form as the generic walk below (chain.test.ts holds the two to the same bytes).
  if (body.kind === "complete") {
    return join(prev, seq, `"durationMs":${num(body.durationMs)},"errno":${body.errno === null ? "null" : JSON.stringify(body.errno)}`,
      `"kind":"complete","of":${num(body.of)},"ok":${body.ok ? "true" : "false"},"prev":"${prev}","resultDigest":"${body.resultDigest}","seq":${num(seq)},"ts":${time(ts)}`);
  }
  if (body.kind === "syscall") {
    const before = syscallBefore(body);
    const after = `"kind":"syscall","policyHash":${body.policyHash === null ? "null" : quote(body.policyHash)},"prev":"${prev}","rule":${body.rule === null ? "null" : quote(body.rule)},"seq":${num(seq)},"syscall":${quote(body.syscall)},"target":${JSON.stringify(body.target)},"ts":${time(ts)}`;
    return join(prev, seq, before, after);
  }
  return linkGeneric(body, seq, ts, prev);
}

// Digests and `prev` are lowercase hex (the record schema holds appended bodies to it, and the
// helpers make them with sha256Hex): they are quoted as they are.
const num = (n: number): string => (Number.isFinite(n) ? String(n) : "null");

/** Consecutive records mostly share their millisecond: its digits are made once (a 13-digit
 * number is the slow case of number-to-string). */
let lastTs = NaN, lastTsText = "null";
function time(ts: number): string {
  if (ts !== lastTs) { lastTs = ts; lastTsText = num(ts); }
  return lastTsText;
}

/** Effects, rules, syscall names and policy hashes repeat on every record: each is quoted once. */
const quoted = new Map<string, string>();
function quote(s: string): string {
  let q = quoted.get(s);
  if (q === undefined) {
    q = JSON.stringify(s);
    if (quoted.size >= 1024) quoted.clear();
    quoted.set(s, q);
  }
  return q;
}

/** The members of a syscall record before `hash`. An agent's calls without args or audit marks
 * mostly repeat them exactly: the last such text is kept per agent, flat, and reused. */
const lastBefore = new WeakMap<object, { argsDigest: string; effect: string; text: string }>();
function syscallBefore(body: SyscallBody): string {
  const plain = body.args === undefined && body.audit.length === 0 && !body.argsTruncated;
  if (plain) {
    const last = lastBefore.get(body.agent);
    if (last && last.argsDigest === body.argsDigest && last.effect === body.effect) return last.text;
  }
  const text = `"agent":${agentJson(body.agent)}${body.args === undefined ? "" : `,"args":${canonicalJson(body.args)}`},"argsDigest":"${body.argsDigest}","argsTruncated":${body.argsTruncated ? "true" : "false"},"audit":${body.audit.length === 0 ? "[]" : canonicalJson(body.audit)},"effect":${quote(body.effect)}`;
  if (plain && agentTexts.has(body.agent)) {
    text.charCodeAt(0); // flattens it, once, in place: later records copy it as one piece
    lastBefore.set(body.agent, { argsDigest: body.argsDigest, effect: body.effect, text });
  }
  return text;
}

/** A frozen agent's canonical JSON, made once: every record of an agent names it. */
const agentTexts = new WeakMap<object, string>();
function agentJson(agent: object): string {
  let text = agentTexts.get(agent);
  if (text === undefined) {
    text = canonicalJson(agent);
    const labels = (agent as { labels?: object }).labels;
    if (Object.isFrozen(agent) && (labels === undefined || Object.isFrozen(labels))) agentTexts.set(agent, text);
  }
  return text;
}

function join(prev: string, seq: number, before: string, after: string): Linked {
  // Both the hashed text and the line hold `after`: flattened once here (in place), it is copied
  // as one piece into each instead of being walked piece by piece twice.
  after.charCodeAt(0);
  const hash = sha256Hex(prev + "{" + before + "," + after + "}");
  return { seq, hash, line: "{" + before + `,"hash":"${hash}",` + after + "}\n" };
}

/** Any record, by the generic canonical walk. */
export function linkGeneric(body: RecordBody, seq: number, ts: number, prev: string): Linked {
  const b = body as unknown as Record<string, unknown>;
  const chain: Record<string, unknown> = { prev, seq, ts };
  const keys = [...Object.keys(b).filter((k) => !(k in chain)), ...CHAIN_KEYS].sort();
  let before = "", after = "";
  for (const k of keys) {
    const v = k in chain ? chain[k] : b[k];
    if (v === undefined) continue;
    const member = quotedKey(k) + ":" + canonicalJson(v);
    if (k < "hash") before += (before ? "," : "") + member;
    else after += (after ? "," : "") + member;
  }
  const hash = sha256Hex(prev + "{" + before + (before && after ? "," : "") + after + "}");
  return { seq, hash, line: "{" + before + (before ? "," : "") + `"hash":"${hash}"` + (after ? "," : "") + after + "}\n" };
}

/** The hash a parsed record ought to carry. */
export function recomputeHash(record: { prev: string; hash?: unknown }): string {
  const { hash: _omitted, ...body } = record;
  return sha256Hex(record.prev + canonicalJson(body));
}
