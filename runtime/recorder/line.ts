// One record as the line the log holds: its canonical JSON (keys sorted, no whitespace) and a
// newline. The two records a syscall writes are on the hot path: their members are written in
// canonical order directly (line.test.ts holds them to the generic walk, byte for byte).
import { canonicalJson } from "./canonical-json.js";
import type { RecordBody, SyscallBody } from "./record.js";

export function recordLine(body: RecordBody, seq: number, ts: number): string {
  if (body.kind === "syscall") return syscallLine(body, seq, ts);
  if (body.kind === "complete") {
    return `{"durationMs":${num(body.durationMs)},"errno":${body.errno === null ? "null" : JSON.stringify(body.errno)},"kind":"complete","of":${num(body.of)},"ok":${body.ok ? "true" : "false"},"resultDigest":"${body.resultDigest}","seq":${num(seq)},"ts":${timeText(ts)}}\n`;
  }
  return genericLine(body, seq, ts);
}

/** Any record, by the generic canonical walk. */
export function genericLine(body: RecordBody, seq: number, ts: number): string {
  return canonicalJson({ ...body, seq, ts }) + "\n";
}

// Keys in canonical order: agent args argsBytes argsDigest audit effect errno kind ok resultDigest
// rule seq shadow syscall target targetBytes targetDigest ts within.
function syscallLine(b: SyscallBody, seq: number, ts: number): string {
  let s = agentPrefix(b.agent);
  if (b.args !== undefined) s += `,"args":${canonicalJson(b.args)}`;
  if (b.argsBytes !== undefined) s += `,"argsBytes":${num(b.argsBytes)},"argsDigest":"${b.argsDigest}"`;
  s += `,"audit":${b.audit.length === 0 ? "[]" : canonicalJson(b.audit)},"effect":${quote(b.effect)}`;
  if (b.ok !== undefined) s += `,"errno":${b.errno == null ? "null" : quote(b.errno)},"kind":"syscall","ok":${b.ok ? "true" : "false"},"resultDigest":"${b.resultDigest}"`;
  else s += `,"kind":"syscall"`;
  s += `,"rule":${b.rule === null ? "null" : quote(b.rule)},"seq":${num(seq)}`;
  if (b.shadow !== undefined) s += `,"shadow":{"effect":${quote(b.shadow.effect)},"rule":${b.shadow.rule === null ? "null" : JSON.stringify(b.shadow.rule)}}`;
  s += `,"syscall":${quote(b.syscall)},"target":${JSON.stringify(b.target)}`;
  if (b.targetBytes !== undefined) s += `,"targetBytes":${num(b.targetBytes)},"targetDigest":"${b.targetDigest}"`;
  s += `,"ts":${timeText(ts)}`;
  if (b.within !== undefined) s += `,"within":${num(b.within)}`;
  return s + "}\n";
}

// Digests are lowercase hex (the builders make them with sha256Hex): they are quoted as they are.
const num = (n: number): string => (Number.isFinite(n) ? String(n) : "null");

/** Consecutive records mostly share their millisecond: its digits are made once (a 13-digit
 * number is the slow case of number-to-string). */
let lastTs = NaN, lastTsText = "null";
export function timeText(ts: number): string {
  if (ts !== lastTs) { lastTs = ts; lastTsText = num(ts); }
  return lastTsText;
}

/** Effects, rules, syscall names and errnos repeat on every record: each is quoted once. */
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

/** `{"agent":<its canonical JSON>` of a frozen agent, made once and kept flat: every record of an
 * agent starts with it. */
const prefixes = new WeakMap<object, string>();
export function agentPrefix(agent: object): string {
  let text = prefixes.get(agent);
  if (text === undefined) {
    text = `{"agent":${canonicalJson(agent)}`;
    const labels = (agent as { labels?: object }).labels;
    if (Object.isFrozen(agent) && (labels === undefined || Object.isFrozen(labels))) {
      text.charCodeAt(0); // flattens it, once, in place: later records copy it as one piece
      prefixes.set(agent, text);
    }
  }
  return text;
}

