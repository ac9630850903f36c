// The records of a flight log. Every line of the log is one record in canonical JSON; every record
// carries the chain fields (seq, ts, prev, hash) and one body, told apart by `kind`.
import type { DecisionEffect } from "../../../stdlib/abi/types.js";

export const V1_FORMAT = "acp-flight/1";

export const V1_RECORD_KINDS = ["open", "syscall", "complete", "signal", "agent", "review", "log", "seal", "close"] as const;
export type V1RecordKind = (typeof V1_RECORD_KINDS)[number];

/** Who made the call: enough of the agent for `show` and for `replay` to re-decide the request. */
export interface V1RecordedAgent {
  id: string;
  name: string;
  tenant: string;
  role?: string;
  labels?: Record<string, string>;
}

export interface V1ChainFields {
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
export interface V1OpenBody {
  kind: "open";
  format: typeof V1_FORMAT;
  policy: string | null;
  policyHash: string | null;
  /** Seals follow every `sealEvery` records under this key (null: no key configured). */
  keyId: string | null;
  sealEvery: number | null;
  /** Bytes of a partial last line (never acknowledged) cut off when the log was reopened. */
  recovered?: { truncatedBytes: number };
}

/** A syscall attempt, written before its effect. */
export interface V1SyscallBody {
  kind: "syscall";
  agent: V1RecordedAgent;
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
export interface V1CompleteBody {
  kind: "complete";
  of: number;
  ok: boolean;
  errno: string | null;
  resultDigest: string;
  durationMs: number;
}

export type V1SignalSource = "host" | "kernel" | "policy";

export interface V1SignalBody {
  kind: "signal";
  agent: V1RecordedAgent;
  signal: string;
  source: V1SignalSource;
}

export type V1AgentEvent = "spawned" | "exited" | "crashed" | "killed";

export interface V1AgentBody {
  kind: "agent";
  agent: V1RecordedAgent;
  event: V1AgentEvent;
  detail?: Record<string, unknown>;
}

/** An operator's verdict on a syscall the policy stopped for review. */
export interface V1ReviewBody {
  kind: "review";
  agent: V1RecordedAgent;
  syscall: string;
  target: string;
  verdict: "approved" | "rejected";
  /** The seq of the stopped syscall record, when the kernel knows it. */
  of?: number;
}

/** A line the agent logged (`sys.log`). */
export interface V1LogBody {
  kind: "log";
  agent: V1RecordedAgent;
  text: string;
}

/** A signed checkpoint: HMAC-SHA256 under `keyId` over `prev`, the hash of record `through`. */
export interface V1SealBody {
  kind: "seal";
  keyId: string;
  through: number;
  mac: string;
}

export interface V1CloseBody {
  kind: "close";
}

export type V1RecordBody = V1OpenBody | V1SyscallBody | V1CompleteBody | V1SignalBody | V1AgentBody | V1ReviewBody | V1LogBody | V1SealBody | V1CloseBody;


type V1WithChain<B> = B extends V1RecordBody ? B & V1ChainFields : never;
export type V1FlightRecord = V1WithChain<V1RecordBody>;
export type V1SyscallRecord = V1SyscallBody & V1ChainFields;
export type V1CompleteRecord = V1CompleteBody & V1ChainFields;
