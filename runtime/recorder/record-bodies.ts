// Builders for the bodies callers append: they take what the kernel has at hand (the request, the
// decision, the result) and keep only what belongs in the log.
import type { Decision } from "../../stdlib/abi/types.js";
import { CanonicalText, canonicalJson } from "./canonical-json.js";
import { jsonDigest, sha256Hex } from "./digest.js";
import { RecorderError } from "./recorder-error.js";
import type { AgentBody, AgentEvent, CompleteBody, RecordedAgent, SignalBody, SignalSource, SyscallBody } from "./record.js";

/** Args whose canonical JSON is longer than this are kept as a digest only: a log line stays small. */
export const ARGS_CAP_BYTES = 4096;

export interface SyscallInput {
  agent: RecordedAgent;
  syscall: string;
  target: string;
  args?: unknown;
  decision: Decision;
  policyHash: string | null;
}

export interface CompleteInput {
  /** The seq of the syscall record this completes. */
  of: number;
  ok: boolean;
  errno?: string | null;
  result?: unknown;
  durationMs: number;
}

const NO_AUDIT: string[] = Object.freeze([]) as unknown as string[];

/** Most syscalls carry no args: their digest is always this one. */
const NULL_DIGEST = sha256Hex("null");

export function syscallBody(input: SyscallInput, argsCap = ARGS_CAP_BYTES): SyscallBody {
  const d = input.decision;
  need(typeof input.syscall === "string" && typeof input.target === "string", "syscall and target must be strings");
  need(EFFECTS.has(d?.effect) && (d.rule === null || typeof d.rule === "string") && Array.isArray(d.audit) && d.audit.every((a) => typeof a === "string"), "decision is not a Decision");
  need(input.policyHash === null || typeof input.policyHash === "string", "policyHash must be a string or null");
  const argsJson = canonicalJson(input.args === undefined ? null : input.args);
  const fits = utf8Length(argsJson, argsCap) <= argsCap;
  const body: SyscallBody = {
    kind: "syscall", agent: recordedAgent(input.agent), syscall: input.syscall, target: input.target,
    argsDigest: argsJson === "null" ? NULL_DIGEST : sha256Hex(argsJson), argsTruncated: !fits,
    effect: input.decision.effect, rule: input.decision.rule, audit: d.audit.length === 0 ? NO_AUDIT : [...d.audit], policyHash: input.policyHash,
  };
  // The text that was digested, not the caller's object: what is stored is what was digested.
  if (fits && input.args !== undefined) body.args = new CanonicalText(argsJson);
  return body;
}

export function completeBody(input: CompleteInput): CompleteBody {
  need(Number.isInteger(input.of) && input.of >= 0 && typeof input.ok === "boolean", "`of` must be a seq and `ok` a boolean");
  need(input.errno == null || typeof input.errno === "string", "errno must be a string or null");
  need(typeof input.durationMs === "number" && input.durationMs >= 0, "durationMs must be a number >= 0");
  return { kind: "complete", of: input.of, ok: input.ok, errno: input.errno ?? null, resultDigest: jsonDigest(input.result), durationMs: input.durationMs };
}

export function signalBody(agent: RecordedAgent, signal: string, source: SignalSource): SignalBody {
  need(typeof signal === "string" && SOURCES.has(source), "signal must be a string and source host, kernel or policy");
  return { kind: "signal", agent: recordedAgent(agent), signal, source };
}

export function agentBody(agent: RecordedAgent, event: AgentEvent, detail?: Record<string, unknown>): AgentBody {
  need(EVENTS.has(event) && (detail === undefined || (typeof detail === "object" && detail !== null && !Array.isArray(detail))), "not an agent event");
  const body: AgentBody = { kind: "agent", agent: recordedAgent(agent), event };
  if (detail !== undefined) body.detail = detail;
  return body;
}

/** Frozen agents already checked and copied (the kernel names each agent by one frozen object). */
const checkedAgents = new WeakMap<RecordedAgent, RecordedAgent>();

/** Only the identity fields: the kernel's agent objects carry much more. */
export function recordedAgent(a: RecordedAgent): RecordedAgent {
  const seen = checkedAgents.get(a);
  if (seen) return seen;
  const out = copyAgent(a);
  // Only a frozen agent (labels too) cannot change after its check.
  if (Object.isFrozen(a) && (a.labels === undefined || Object.isFrozen(a.labels))) checkedAgents.set(a, Object.freeze(out));
  return out;
}

function copyAgent(a: RecordedAgent): RecordedAgent {
  need(typeof a?.id === "string" && typeof a.name === "string" && typeof a.tenant === "string" && (a.role === undefined || typeof a.role === "string")
    && (a.labels === undefined || Object.values(a.labels).every((v) => typeof v === "string")), "agent needs string id, name and tenant (role and labels strings too)");
  const out: RecordedAgent = { id: a.id, name: a.name, tenant: a.tenant };
  if (a.role !== undefined) out.role = a.role;
  if (a.labels !== undefined) out.labels = Object.freeze({ ...a.labels });
  return out;
}

// Cheap checks in place of the record schema: the helpers are the hot path, and a body they build
// must never be one the verifier would call malformed.
const EFFECTS = new Set<unknown>(["allow", "deny", "kill", "stop"]);
const SOURCES = new Set<unknown>(["host", "kernel", "policy"]);
const EVENTS = new Set<unknown>(["spawned", "exited", "crashed", "killed"]);

function need(ok: boolean, message: string): void {
  if (!ok) throw new RecorderError("EINVAL", message);
}

/** UTF-8 length, or any number above `cap` once it is certain to be above it. */
function utf8Length(s: string, cap: number): number {
  if (s.length > cap) return s.length;
  if (s.length * 3 <= cap) return s.length;
  return new TextEncoder().encode(s).length;
}
