// The records of a flight log. Every line of the log is one record in canonical JSON; every record
// carries the chain fields (seq, ts, prev, hash) and one body, told apart by `kind`.
import type { DecisionEffect } from "../../stdlib/abi/types.js";

export const RECORDER_FORMAT = "acp-flight/1";

export const RECORD_KINDS = ["open", "syscall", "complete", "signal", "agent", "review", "log", "seal", "close"] as const;
export type RecordKind = (typeof RECORD_KINDS)[number];

/** Who made the call: enough of the agent for `show` and for `replay` to re-decide the request. */
export interface RecordedAgent {
  id: string;
  name: string;
  tenant: string;
  role?: string;
  labels?: Record<string, string>;
}

export interface ChainFields {
  /** 0, 1, 2, ... with no gap, across reopenings of the same file. */
  seq: number;
  /** Milliseconds since the epoch. */
  ts: number;
  /** Hash of the previous record; 64 zeros for the first. */
  prev: string;
  /** SHA-256 over `prev` + the canonical JSON of this record without `hash`. */
  hash: string;
}

/** First record of every session; a reopened log starts a new session after its last record. */
export interface OpenBody {
  kind: "open";
  format: typeof RECORDER_FORMAT;
  policy: string | null;
  policyHash: string | null;
  /** Seals follow every `sealEvery` records under this key (null: no key configured). */
  keyId: string | null;
  sealEvery: number | null;
  /** Bytes of a partial last line (never acknowledged) cut off when the log was reopened. */
  recovered?: { truncatedBytes: number };
}

/** A syscall attempt, written before its effect. */
export interface SyscallBody {
  kind: "syscall";
  agent: RecordedAgent;
  syscall: string;
  target: string;
  /** SHA-256 of the canonical JSON of the args (of `null` when there are none). */
  argsDigest: string;
  /** The args themselves, absent when their canonical JSON is over the size cap. */
  args?: unknown;
  argsTruncated: boolean;
  effect: DecisionEffect;
  rule: string | null;
  audit: string[];
  policyHash: string | null;
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

/** A line the agent logged (`sys.log`). */
export interface LogBody {
  kind: "log";
  agent: RecordedAgent;
  text: string;
}

/** A signed checkpoint: HMAC-SHA256 under `keyId` over `prev`, the hash of record `through`. */
export interface SealBody {
  kind: "seal";
  keyId: string;
  through: number;
  mac: string;
}

export interface CloseBody {
  kind: "close";
}

export type RecordBody = OpenBody | SyscallBody | CompleteBody | SignalBody | AgentBody | ReviewBody | LogBody | SealBody | CloseBody;

/** What a caller may append; open, seal and close are the recorder's own. */
export type AppendBody = SyscallBody | CompleteBody | SignalBody | AgentBody | ReviewBody | LogBody;

type WithChain<B> = B extends RecordBody ? B & ChainFields : never;
export type FlightRecord = WithChain<RecordBody>;
export type SyscallRecord = SyscallBody & ChainFields;
export type CompleteRecord = CompleteBody & ChainFields;
