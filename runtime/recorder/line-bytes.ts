// A syscall record written straight into a memory log's bytes: the hot path of a syscall answered
// in the call. It writes exactly the bytes of `recordLine(syscallBody(input))` (line-bytes.test.ts
// holds it to that) for the common case, ASCII text that needs no JSON escape with the target and
// the args within their caps, and gives up on anything else (returns -1 before writing a byte the
// caller keeps), which the caller then writes the general way. No body object, no line string to
// build, flatten and encode: building, flattening and encoding the line cost most of a read's record.
import { canonicalJson } from "./canonical-json.js";
import { answerDigest } from "./digest.js";
import { agentPrefix, timeText } from "./line.js";
import { ARGS_CAP_BYTES, recordedAgent, TARGET_CAP_BYTES, type SyscallInput } from "./record-bodies.js";

/** Where a line goes: `room(most)` is the block to write up to `most` bytes into at `tail`; `commit(end)` keeps them. */
export interface LineBytes {
  room(most: number): Uint8Array;
  readonly tail: number;
  commit(end: number): void;
}

/**
 * Writes the syscall record `input` as line `seq` into `sink`, or returns false (having kept
 * nothing) where the general writer must: non-ASCII or escaped text, a target or args past their
 * cap, `within`, `shadow`, or an input the general builder would refuse (it then throws the refusal).
 */
export function writeSyscallLine(sink: LineBytes, input: SyscallInput, seq: number, ts: number): boolean {
  const agent = agentBytes(input.agent);
  const d = input.decision, o = input.outcome;
  const { syscall, target } = input;
  if (agent === null || input.within !== undefined || input.shadow !== undefined || typeof syscall !== "string" || typeof target !== "string" || target.length > TARGET_CAP_CHARS) return false;
  if (typeof d !== "object" || d === null || !(d.rule === null || typeof d.rule === "string") || !Array.isArray(d.audit)) return false;
  const effect = EFFECT_INDEX.get(d.effect);
  if (effect === undefined) return false;
  if (o !== undefined && (typeof o.ok !== "boolean" || !(o.errno == null || typeof o.errno === "string") || !(o.answer === undefined || typeof o.answer === "string"))) return false;
  let audit = "[]";
  if (d.audit.length > 0) {
    for (const a of d.audit) if (typeof a !== "string") return false;
    audit = canonicalJson(d.audit);
  }
  let args: string | undefined;
  if (input.args !== undefined) {
    args = canonicalJson(input.args);
    if (args.length > ARGS_CAP_BYTES) return false;
  }
  const digest = o === undefined ? null : cached(answerDigest(o.answer), asciiBytes);
  const errno = o?.errno ?? null;
  const rule = d.rule === null ? NULL_RULE : cached(d.rule, ruleBytes), named = cached(syscall, syscallBytes);
  if (rule === null || named === null) return false;
  const prefix = agent.prefix;
  const most = prefix.length + target.length + audit.length + (args?.length ?? 0) + (errno?.length ?? 0) + rule.length + named.length + FIXED_CHARS;
  const out = sink.room(most);
  let at = sink.tail;
  // What repeats from one record to the next is copied as bytes made once: the agent and what
  // follows it up to the digest (per agent, effect and outcome), the digest, the rule, the
  // syscall's name, the millisecond; only the target's characters and the seq are written one by one.
  if (args === undefined && audit === "[]" && errno === null) {
    const k = effect * 3 + (o === undefined ? 0 : o.ok ? 1 : 2);
    at = put(out, at, agent.heads[k] ??= joinBytes(prefix, bytesOf(`,"audit":[],"effect":"${EFFECTS[effect]}"${o === undefined ? KIND : `${ERRNO}null${o.ok ? KIND_OK_TRUE : KIND_OK_FALSE}`}`)));
  } else {
    at = put(out, at, prefix);
    if (args !== undefined) { at = raw(out, at, ARGS); at = raw(out, at, args); }
    at = raw(out, at, AUDIT); at = raw(out, at, audit); at = raw(out, at, `,"effect":"${EFFECTS[effect]}"`);
    if (o !== undefined) {
      at = raw(out, at, ERRNO);
      at = errno === null ? raw(out, at, "null") : quoted(out, at, errno);
      at = raw(out, at, o.ok ? KIND_OK_TRUE : KIND_OK_FALSE);
    } else at = raw(out, at, KIND);
  }
  if (o !== undefined) {
    at = put(out, at, digest);
    if (at >= 0) out[at++] = 0x22;
  }
  at = put(out, at, rule);
  at = digits(out, at, seq);
  at = put(out, at, named);
  at = chars(out, at, target);
  at = put(out, at, tsBytes(ts));
  if (at < 0) return false;
  sink.commit(at);
  return true;
}

// A target of at most this many characters is within its 4 KiB cap whatever they are.
const TARGET_CAP_CHARS = Math.floor(TARGET_CAP_BYTES / 3);

const bytesOf = (s: string): Uint8Array => {
  const b = new Uint8Array(s.length);
  if (raw(b, 0, s) < 0) throw new TypeError("not ASCII");
  return b;
};
const ARGS = `,"args":`;
const AUDIT = `,"audit":`;
const ERRNO = `,"errno":`;
const KIND = `,"kind":"syscall"`;
const KIND_OK_TRUE = `,"kind":"syscall","ok":true,"resultDigest":"`;
const KIND_OK_FALSE = `,"kind":"syscall","ok":false,"resultDigest":"`;
const EFFECTS = ["allow", "deny", "kill", "stop"] as const;
const EFFECT_INDEX = new Map<unknown, number>(EFFECTS.map((e, i) => [e, i]));
/** The members' names and punctuation, the numbers' digits, with room to spare. */
const FIXED_CHARS = 320;

/** Bytes made once for strings that repeat (digests, rules, syscall names): a bounded cache. */
function cached(s: string, make: (s: string) => Uint8Array | null): Uint8Array | null {
  let m = caches.get(make);
  if (m === undefined) caches.set(make, (m = new Map()));
  let b = m.get(s);
  if (b === undefined) {
    b = make(s);
    if (m.size >= 1024) m.clear();
    m.set(s, b);
  }
  return b;
}
const caches = new Map<(s: string) => Uint8Array | null, Map<string, Uint8Array | null>>();
const asciiBytes = (s: string): Uint8Array | null => { const b = new Uint8Array(s.length); return raw(b, 0, s) < 0 ? null : b; };
const quotedBytes = (s: string): Uint8Array | null => { const b = new Uint8Array(s.length + 2); return quoted(b, 0, s) < 0 ? null : b; };
/** `,"rule":<the rule quoted, or null>,"seq":`. */
const ruleBytes = (r: string): Uint8Array | null => {
  const q = quotedBytes(r);
  return q === null ? null : joinBytes(bytesOf(`,"rule":`), q, bytesOf(`,"seq":`));
};
const NULL_RULE = bytesOf(`,"rule":null,"seq":`);
/** `,"syscall":"<name>","target":"`. */
const syscallBytes = (s: string): Uint8Array | null => {
  const q = quotedBytes(s);
  return q === null ? null : joinBytes(bytesOf(`,"syscall":`), q, bytesOf(`,"target":"`));
};

function joinBytes(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

/** `","ts":<digits>}` and the newline, made once per millisecond (consecutive records share it). */
let lastTs = NaN, lastTsBytes: Uint8Array = new Uint8Array(0);
function tsBytes(ts: number): Uint8Array {
  if (ts !== lastTs) { lastTs = ts; lastTsBytes = bytesOf(`","ts":${timeText(ts)}}\n`); }
  return lastTsBytes;
}

/** Copies bytes: `set` (a memcpy, ~25 ns a call) but for a few, which a loop copies sooner. */
function put(out: Uint8Array, at: number, b: Uint8Array | null): number {
  if (at < 0 || b === null) return -1;
  const n = b.length;
  if (n > 4) { out.set(b, at); return at + n; }
  for (let i = 0; i < n; i++) out[at + i] = b[i]!;
  return at + n;
}

/** A seq's decimal digits (seqs are integers below 2^53). */
function digits(out: Uint8Array, at: number, n: number): number {
  if (at < 0) return -1;
  if (!(Number.isSafeInteger(n) && n >= 0)) return raw(out, at, timeText(n));
  let len = 1;
  for (let x = n; x >= 10; x = Math.floor(x / 10)) len++;
  for (let i = len - 1, x = n; i >= 0; i--, x = Math.floor(x / 10)) out[at + i] = 0x30 + (x % 10);
  return at + len;
}

/** ASCII text copied as it is (JSON already, or a name); -1 on anything else, or after a refusal. */
function raw(out: Uint8Array, at: number, s: string): number {
  if (at < 0) return -1;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0x7e) return -1;
    out[at++] = c;
  }
  return at;
}

/** A string's characters as JSON would quote them, where that needs no escape: printable ASCII
 * without `"` and `\`. */
function chars(out: Uint8Array, at: number, s: string): number {
  if (at < 0) return -1;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) return -1;
    out[at++] = c;
  }
  return at;
}

/** The string quoted (see chars). */
function quoted(out: Uint8Array, at: number, s: string): number {
  if (at < 0) return -1;
  out[at] = 0x22;
  at = chars(out, at + 1, s);
  if (at < 0) return -1;
  out[at] = 0x22;
  return at + 1;
}

/** `{"agent":<canonical JSON>` of an agent as bytes, and the heads made from it (see
 * writeSyscallLine), for a frozen agent whose text is ASCII; null (always the general writer) for
 * any other. recordedAgent checks it, once. */
interface AgentBytes {
  prefix: Uint8Array;
  heads: (Uint8Array | undefined)[];
}
const agents = new WeakMap<object, AgentBytes | null>();
function agentBytes(agent: SyscallInput["agent"]): AgentBytes | null {
  if (typeof agent !== "object" || agent === null) return null;
  let known = agents.get(agent);
  if (known !== undefined) return known;
  const labels = (agent as { labels?: object }).labels;
  if (!(Object.isFrozen(agent) && (labels === undefined || Object.isFrozen(labels)))) return null;
  const prefix = asciiBytes(agentPrefix(recordedAgent(agent)));
  known = prefix === null ? null : { prefix, heads: [] };
  agents.set(agent, known);
  return known;
}
