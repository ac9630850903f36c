// The records of a flight log (acp-flight/2). Every line of the log is one record in canonical
// JSON: `seq` (0, 1, 2, … with no gap across the sessions of one file), `ts` and one body, told
// apart by `kind`. Records carry no hash of their own: a `seal` vouches for a batch of them at once
// (see seal.ts, docs/recorder.md).
import type { DecisionEffect } from "../../stdlib/abi/types.js";

export const RECORDER_FORMAT = "acp-flight/2";

export const RECORD_KINDS = ["open", "syscall", "complete", "signal", "agent", "review", "log", "policy", "seal", "close"] as const;
export type RecordKind = (typeof RECORD_KINDS)[number];

/** Who made the call: enough of the agent for `show` and for `replay` to re-decide the request. */
export interface RecordedAgent {
  id: string;
  name: string;
  tenant: string;
  role?: string;
  labels?: Record<string, string>;
}

export interface Header {
  seq: number;
  /** Milliseconds since the epoch. */
  ts: number;
}

/** First record of every session; a reopened log starts a new session after its last record. */
export interface OpenBody {
  kind: "open";
  format: typeof RECORDER_FORMAT | "acp-flight/1";
  policy: string | null;
  policyHash: string | null;
  /** The key this session's seals are signed with (sign-key.ts), or null: unsigned. */
  kid: string | null;
  /** Set when the last session did not close: what its crash left. `unsealed` records it had
   * written but not sealed (never acknowledged) are kept, and this session's first seal covers
   * them; `truncatedBytes` of a partial last line were cut off. */
  recovered?: { truncatedBytes: number; unsealed: number };
}

/**
 * A syscall. Two shapes:
 * - answered in the call (a read, a listing, a denial, a violation): one record, carrying the
 *   outcome (`ok`, `errno`, `resultDigest`);
 * - with an effect (a write, a tool call, a fetch, …): the intent, written before the effect, and a
 *   `complete` record naming it after.
 * A step decided inside another syscall's effect (a redirect of a fetch) names it in `within`.
 */
export interface SyscallBody {
  kind: "syscall";
  agent: RecordedAgent;
  syscall: string;
  /** The target, or its first 4 KiB (UTF-8) when it is longer; then `targetBytes` and `targetDigest` say what it was. */
  target: string;
  targetBytes?: number;
  targetDigest?: string;
  /** The args, when their canonical JSON fits the cap; else `argsDigest` and `argsBytes` stand for them. */
  args?: unknown;
  argsDigest?: string;
  argsBytes?: number;
  effect: DecisionEffect;
  rule: string | null;
  audit: string[];
  ok?: boolean;
  errno?: string | null;
  resultDigest?: string;
  within?: number;
  /** In shadow mode, where the candidate policy decided otherwise: its decision (it took no effect). */
  shadow?: { effect: DecisionEffect; rule: string | null };
}

/** The outcome of the syscall record `of`, written after the effect. */
export interface CompleteBody {
  kind: "complete";
  of: number;
  ok: boolean;
  errno: string | null;
  resultDigest: string;
  durationMs: number;
}

export type SignalSource = "host" | "kernel" | "policy";

export interface SignalBody {
  kind: "signal";
  agent: RecordedAgent;
  signal: string;
  source: SignalSource;
}

export type AgentEvent = "spawned" | "exited" | "crashed" | "killed";

export interface AgentBody {
  kind: "agent";
  agent: RecordedAgent;
  event: AgentEvent;
  detail?: Record<string, unknown>;
}

/** An operator's verdict on a syscall the policy stopped for review. */
export interface ReviewBody {
  kind: "review";
  agent: RecordedAgent;
  syscall: string;
  target: string;
  verdict: "approved" | "rejected";
  /** The seq of the stopped syscall record, when the kernel knows it. */
  of?: number;
}

/** A line the agent logged (`sys.log`), or a note of the kernel's. */
export interface LogBody {
  kind: "log";
  agent: RecordedAgent;
  text: string;
}

/** The policy that decides from here on (a reload). */
export interface PolicyBody {
  kind: "policy";
  policy: string;
  policyHash: string;
}

/**
 * Vouches for the records before `size` (seq < size): `hash` is SHA-256 over the previous seal's
 * hash (32 zero bytes for the first) and the exact bytes of the lines with seq in [previous size,
 * size); `root` is the RFC 9162 Merkle tree head over the leaves of every line with seq < size.
 * With a key, `sig` is ed25519 over size (u64, big-endian) ‖ root ‖ hash, under key `kid`. A
 * seal's `ts` is that of the last record it covers (so every byte of its line is checked).
 * Digests are lowercase hex.
 */
export interface SealBody {
  kind: "seal";
  size: number;
  hash: string;
  root: string;
  kid?: string;
  sig?: string;
}

export interface CloseBody {
  kind: "close";
}

export type RecordBody = OpenBody | SyscallBody | CompleteBody | SignalBody | AgentBody | ReviewBody | LogBody | PolicyBody | SealBody | CloseBody;

/** What a caller may append; open, seal and close are the recorder's own. */
export type AppendBody = SyscallBody | CompleteBody | SignalBody | AgentBody | ReviewBody | LogBody | PolicyBody;

type WithHeader<B> = B extends RecordBody ? B & Header : never;
export type FlightRecord = WithHeader<RecordBody>;
export type SyscallRecord = SyscallBody & Header;
export type CompleteRecord = CompleteBody & Header;
export type SealRecord = SealBody & Header;

/** A tree head as a seal states it: what an auditor keeps, and proves later records against. */
export interface SealHead {
  size: number;
  root: string;
  hash: string;
  kid?: string;
  sig?: string;
}

export const headOf = (s: SealBody): SealHead => ({ size: s.size, root: s.root, hash: s.hash, ...(s.kid !== undefined ? { kid: s.kid, sig: s.sig! } : {}) });
