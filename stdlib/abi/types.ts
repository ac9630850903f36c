// The normative request/decision model and the manifest that travels beside every decision module.
// These are the types at the centre: the compiler produces them, the runtime consumes them.

export const SYSCALLS = [
  "fs.read", "fs.write", "fs.list", "fs.delete",
  "tool.call", "net.fetch", "pipe.send", "pipe.recv",
  "spawn", "signal", "checkpoint",
] as const;
export type Syscall = (typeof SYSCALLS)[number];

/** Syscall codes as the decision module sees them (docs/abi.md). */
export const SYSCALL_CODE: Readonly<Record<Syscall, number>> = Object.freeze(
  Object.fromEntries(SYSCALLS.map((s, i) => [s, i])) as Record<Syscall, number>,
);

export type DecisionEffect = "allow" | "deny" | "kill" | "stop";

/** Effects by precedence rank, lowest first: the module returns the rank. */
export const EFFECT_BY_RANK: readonly DecisionEffect[] = ["allow", "stop", "deny", "kill"];

export interface AgentInfo {
  id?: string;
  name?: string;
  role?: string;
  tenant?: string;
  labels?: Record<string, string>;
}

export interface Request {
  agent: AgentInfo;
  syscall: string;
  target: string;
  args?: unknown;
}

export interface Decision {
  effect: DecisionEffect;
  rule: string | null;
  audit: string[];
}

/** A declared type, fully resolved (no names), as the manifest records it. */
export type TypeDesc =
  | { t: "number" }
  | { t: "string" }
  | { t: "bool" }
  | { t: "enum"; values: string[] }
  | { t: "record"; fields: FieldDesc[] }
  | { t: "array"; elem: TypeDesc; max: number | null };

export interface FieldDesc { name: string; optional: boolean; type: TypeDesc }

export interface SpanDesc { line: number; col: number; endLine: number; endCol: number }

export interface ManifestRule {
  index: number;
  id: string;
  effect: "allow" | "deny" | "kill" | "stop" | "audit";
  /** The target as written, e.g. `tool transfer`, `fs.read "/mem/**"`. */
  target: string;
  span: SpanDesc;
}

export interface Manifest {
  format: "acp-manifest/1";
  policy: string;
  version: string | null;
  file: string;
  onViolation: "kill" | "deny" | "stop";
  sourceSha256: string;
  moduleSha256: string;
  rules: ManifestRule[];
  types: Record<string, TypeDesc>;
  /** Declared tools in declaration order; a tool's index is its target index in the ABI. */
  tools: { name: string; param: TypeDesc }[];
  /** Declared pipes in declaration order; a pipe's index is its target index in the ABI. */
  pipes: { name: string; from: string; to: string; carries: TypeDesc; capacity: number }[];
  limits: { target: string; syscall: Syscall | "*"; name: string | null; count: number; window: string; windowMs: number }[];
  asserts: { target: string; span: SpanDesc }[];
  /** Worst-case evaluation steps of one decision (docs/abi.md says what a step is). */
  costBound: { steps: number; perSyscall: Partial<Record<Syscall, number>> };
  abi: AbiDesc;
}

export interface AbiDesc {
  version: 1;
  /** Address of the request header in linear memory. */
  reqBase: number;
  /** Address where the module writes the audit count, followed by the audit rule indices. */
  auditBase: number;
  /**
   * The agent header fields the module reads. The host checks every field of a request's agent but
   * need not copy the others in (they read as empty). Absent: the host writes them all.
   */
  agentReads?: AgentRead[];
}

/** Agent header fields of docs/abi.md, as `AbiDesc.agentReads` names them. */
export const AGENT_READS = ["id", "name", "role", "tenant", "labels"] as const;
export type AgentRead = (typeof AGENT_READS)[number];

/** Fixed args records of the built-in syscalls (fields in slot order). */
export const BUILTIN_ARGS: Partial<Record<Syscall, TypeDesc>> = {
  "fs.write": { t: "record", fields: [{ name: "size", optional: false, type: { t: "number" } }] },
  "net.fetch": {
    t: "record",
    fields: [
      { name: "method", optional: false, type: { t: "string" } },
      { name: "host", optional: false, type: { t: "string" } },
      { name: "port", optional: false, type: { t: "number" } },
      { name: "path", optional: false, type: { t: "string" } },
      { name: "size", optional: false, type: { t: "number" } },
    ],
  },
};
