// Builders for the bodies callers append: they take what the kernel has at hand (the request, the
// decision, the outcome) and keep only what belongs in the log, bounded: a record holds at most
// 4 KiB of the target and of the args, whatever the agent sent (the policy decided on the whole).
import type { Decision } from "../../stdlib/abi/types.js";
import { CanonicalText, canonicalJson } from "./canonical-json.js";
import { answerDigest, jsonDigest, NULL_DIGEST, sha256Hex } from "./digest.js";
import { RecorderError } from "./recorder-error.js";
import type { AgentBody, AgentEvent, CompleteBody, RecordedAgent, SignalBody, SignalSource, SyscallBody } from "./record.js";

/** Args whose canonical JSON is longer than this (UTF-8 bytes) are kept as a digest and a length. */
export const ARGS_CAP_BYTES = 4096;
/** A target longer than this (UTF-8 bytes) is kept as its prefix, its length and its digest. */
export const TARGET_CAP_BYTES = 4096;

/** How a syscall answered in the call turned out: the record carries it, and no `complete` follows. */
export interface Outcome {
  ok: boolean;
  errno?: string | null;
  /** The answer's exact text (the JSON the caller got), digested; absent for none. */
  answer?: string;
}

export interface SyscallInput {
  agent: RecordedAgent;
  syscall: string;
  target: string;
  args?: unknown;
  decision: Decision;
  /** Set for a syscall answered in the call: one record, with its outcome. */
  outcome?: Outcome;
  /** The seq of the syscall inside whose effect this step was decided (a redirect). */
  within?: number;
  /** Shadow mode: the candidate policy's decision, recorded where it differs (it takes no effect). */
  shadow?: { effect: Decision["effect"]; rule: string | null };
}

export interface CompleteInput {
  /** The seq of the syscall record this completes. */
  of: number;
  ok: boolean;
  errno?: string | null;
  /** The answer's exact text, digested as it is; or `result`, a value digested as its canonical JSON. */
  answer?: string;
  result?: unknown;
  durationMs: number;
}

const NO_AUDIT: string[] = Object.freeze([]) as unknown as string[];

export function syscallBody(input: SyscallInput): SyscallBody {
  const d = input.decision;
  need(typeof input.syscall === "string" && typeof input.target === "string", "syscall and target must be strings");
  need(EFFECTS.has(d?.effect) && (d.rule === null || typeof d.rule === "string") && Array.isArray(d.audit) && d.audit.every((a) => typeof a === "string"), "decision is not a Decision");
  const body: SyscallBody = { kind: "syscall", agent: recordedAgent(input.agent), syscall: input.syscall, target: input.target, effect: d.effect, rule: d.rule, audit: d.audit.length === 0 ? NO_AUDIT : [...d.audit] };
  const target = input.target;
  if (target.length > TARGET_CAP_BYTES / 3 && utf8Length(target) > TARGET_CAP_BYTES) {
    body.target = utf8Prefix(target, TARGET_CAP_BYTES);
    body.targetBytes = utf8Length(target);
    body.targetDigest = sha256Hex(target);
  }
  if (input.args !== undefined) {
    const argsJson = canonicalJson(input.args);
    const bytes = argsJson.length * 3 <= ARGS_CAP_BYTES ? argsJson.length : utf8Length(argsJson);
    // The text that was measured, not the caller's object: what is stored is what was checked.
    if (bytes <= ARGS_CAP_BYTES) body.args = new CanonicalText(argsJson);
    else { body.argsDigest = sha256Hex(argsJson); body.argsBytes = bytes; }
  }
  const o = input.outcome;
  if (o !== undefined) {
    need(typeof o.ok === "boolean" && (o.errno == null || typeof o.errno === "string") && (o.answer === undefined || typeof o.answer === "string"), "outcome needs ok, and errno and answer strings when set");
    body.ok = o.ok;
    body.errno = o.errno ?? null;
    body.resultDigest = answerDigest(o.answer);
  }
  if (input.within !== undefined) {
    need(Number.isInteger(input.within) && input.within >= 0, "`within` must be a seq");
    body.within = input.within;
  }
  if (input.shadow !== undefined) {
    const sh = input.shadow;
    need(EFFECTS.has(sh?.effect) && (sh.rule === null || typeof sh.rule === "string"), "shadow is an effect and a rule (or null)");
    body.shadow = { effect: sh.effect, rule: sh.rule };
  }
  return body;
}

export function completeBody(input: CompleteInput): CompleteBody {
  need(Number.isInteger(input.of) && input.of >= 0 && typeof input.ok === "boolean", "`of` must be a seq and `ok` a boolean");
  need(input.errno == null || typeof input.errno === "string", "errno must be a string or null");
  need(typeof input.durationMs === "number" && input.durationMs >= 0, "durationMs must be a number >= 0");
  need(input.answer === undefined || (typeof input.answer === "string" && input.result === undefined), "answer is a string, and not given with result");
  const resultDigest = input.answer !== undefined ? answerDigest(input.answer) : input.result === undefined ? NULL_DIGEST : jsonDigest(input.result);
  return { kind: "complete", of: input.of, ok: input.ok, errno: input.errno ?? null, resultDigest, durationMs: input.durationMs };
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

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function utf8Length(s: string): number {
  return encoder.encode(s).length;
}

/** The longest prefix of `s` whose UTF-8 takes at most `cap` bytes, cut between code points. */
export function utf8Prefix(s: string, cap: number): string {
  const bytes = encoder.encode(s);
  if (bytes.length <= cap) return s;
  let end = cap;
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return decoder.decode(bytes.subarray(0, end));
}
