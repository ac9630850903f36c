// One agent: its isolate, its state, and the syscall gate it goes through. Every syscall is
// decided by the policy and recorded before its effect; a kill stops the guest at once.
import { setMaxListeners } from "node:events";
import { Isolate, type MainOutcome, type Reply } from "../isolate/isolate.js";
import type { Prepared } from "../isolate/prepared.js";
import type { IsolateLimits } from "../isolate/limits.js";
import type { ModuleSlot } from "../isolate/slot.js";
import type { Policy } from "../policy/load.js";
import type { AgentInfo, Decision, Request } from "../../stdlib/abi/types.js";
import type { SyscallSpan, Telemetry } from "./telemetry.js";
import { SyscallError, toSyscallError } from "./errors.js";
import { LATER, translate, type EffectCtx, type Services, type Translation } from "./syscalls.js";
import type { AgentExit, AgentState, PendingReview, SignalName, Violation } from "./types.js";
import type { Ack, FlightRecorder } from "../recorder/recorder.js";
import type { SyscallInput } from "../recorder/record-bodies.js";
import type { RecordedAgent } from "../recorder/record.js";
import type { RateLimits } from "./rate-limits.js";
import type { RollbackReport } from "./types.js";
import type { Runnable } from "./scheduler.js";

/** Acknowledged syscalls whose effect and answer one scheduler slice runs at most, per tick of its
 * quantum; and the wall time a slice of them may take, per tick (a tick is ~0.2 ms of guest time). */
const ACKED_PER_TICK = 8;
const ACKED_MS_PER_TICK = 0.2;

/** What an agent needs from its kernel. */
export interface AgentEnv {
  policy: Policy;
  /** Shadow mode: a candidate policy that decides every syscall beside `policy` and takes no effect;
   * where it decides otherwise, its decision goes in the record, and `onShadow` counts it. */
  shadow?: Policy;
  onShadow?(request: Request, decision: Decision, shadow: ShadowDecision): void;
  /** OpenTelemetry, when the host registered an SDK (telemetry.ts). */
  telemetry?: Telemetry | null;
  services: Services;
  recorder: FlightRecorder;
  limits: RateLimits;
  /** Queues the agent (to run its guest jobs), or work of its, to run from the scheduler. */
  schedule(work: Runnable): void;
  /** Called once, when the agent has ended and let go of its isolate (whose runtime, in `slot`,
   * still holds `bytes`). */
  onEnd(agent: Agent, slot: ModuleSlot, bytes: number): void;
  termGraceMs: number;
  /** Sees each kept log line (the CLI prints them). */
  onLog?(agent: Agent, text: string): void;
  /** A record that could not be written (the recorder has failed; effects already fail closed). */
  onRecorderError?(e: unknown): void;
}

const NO_SHADOW = Object.freeze({});

/** What a shadow policy decided, where it differs from the enforcing one. */
export type ShadowDecision = { effect: Decision["effect"]; rule: string | null };

/** Violations an agent's exit keeps (the rest are counted), and the characters of the target each keeps. */
export const MAX_VIOLATIONS = 100;
const VIOLATION_TARGET_CHARS = 1024;

/** The first `n` UTF-16 units of `s`, not ending inside a surrogate pair, as a string of its own:
 * a plain slice of a path the guest sent would keep the whole call's text alive (V8 slices share it). */
function cutChars(s: string, n: number): string {
  if (s.length <= n) return s;
  const c = s.charCodeAt(n - 1);
  return (" " + s.slice(0, c >= 0xd800 && c <= 0xdbff ? n - 1 : n)).slice(1);
}

const unavailable = (e: unknown) => `flight recorder unavailable: ${(e as Error)?.message ?? e}`;
/** A refusal's error; its message names at most VIOLATION_TARGET_CHARS of the target (the guest has the whole). */
const denied = (request: Request, decision: Decision) => new SyscallError("EPERM", `${request.syscall} ${cutChars(request.target, VIOLATION_TARGET_CHARS)}: denied by ${decision.rule ?? "the policy's default"}`);

/** Why an ended agent's effects are aborted (see Agent.end). */
const AGENT_ENDED = new SyscallError("EIO", "agent ended");

interface Review { review: PendingReview; seq: number; proceed: () => void; refuse: () => void; fail: (e: unknown) => void; abandon: (refused: boolean) => void }

export class Agent {
  state: AgentState = "starting";
  readonly priority: number;
  private exitValue: AgentExit | null = null;
  private readonly exitWaiters: ((e: AgentExit) => void)[] = [];
  /** The first MAX_VIOLATIONS violations, each with a bounded target; `violationCount` counts them all. */
  private readonly violations: Violation[] = [];
  private violationCount = 0;
  private syscalls = 0;
  private toolCalls = 0;
  private logLines = 0;
  private readonly held: (() => boolean | void)[] = [];
  /** Calls stopped for review, oldest first: the operator decides them one at a time (a second
   * stop decision, in the same Promise.all, waits behind the first rather than replacing it). */
  private readonly reviews: Review[] = [];
  /** Sent SIGSTOP and not SIGCONT since: a review's verdict does not resume the agent. */
  private sigstopped = false;
  private readonly dead = new AbortController();
  private readonly isolate: Isolate;
  private termTimer: ReturnType<typeof setTimeout> | undefined;
  /** Set on an agent restarted by kernel.rollback: what was restored for it. */
  restoredFrom: RollbackReport | null = null;
  /** Effects under way; a deadlock is declared only when none is. */
  private inFlight = 0;

  constructor(
    readonly id: string,
    readonly info: Required<Omit<AgentInfo, "labels">> & { labels: Record<string, string> },
    slot: ModuleSlot,
    prepared: Prepared | undefined,
    private readonly limits: IsolateLimits,
    private readonly env: AgentEnv,
    priority = 0,
  ) {
    // Every waiting call (a blocked pipe.send, a tool) listens for the agent's end; how many may wait
    // is bounded by the agent's quotas, not by Node's leak warning at eleven listeners.
    setMaxListeners(0, this.dead.signal);
    this.priority = priority;
    this.isolate = new Isolate(slot, limits, {
      syscall: (name, args, reply, path) => this.onSyscall(name, args, reply, path),
      exit: (o) => this.onExit(o),
      log: (json) => this.onLog(json),
      overBudget: (which) => this.end("killed", "SIGKILL", { name: "BudgetExceeded", code: "EBUDGET",
        message: which === "slice" ? `ran more than ${this.limits.sliceTicks} ticks or ${this.limits.sliceMs} ms without yielding`
          : which === "total" ? `used its whole budget of ${this.limits.totalTicks} ticks` : `used its whole CPU budget of ${this.limits.cpuMs} ms` }),
    }, prepared);
  }

  get name(): string { return this.info.name; }
  /** Syscalls attempted so far. */
  get syscallCount(): number { return this.syscalls; }
  get tenant(): string { return this.info.tenant; }
  /** The QuickJS instance the agent runs in; null once it has ended. */
  get slot(): ModuleSlot | null { return this.isolate.slot; }

  /** Loads the module and starts main(input), given as JSON; problems end the agent, never the kernel. */
  start(source: string, filename: string, inputJson: string): void {
    this.note(this.env.recorder.agentEvent(this.who(), "spawned"));
    const loaded = this.isolate.load(source, filename);
    if (!loaded.ok) return this.fromOutcome(loaded);
    if (this.exitValue) return;
    const begin = () => {
      const started = this.isolate.start(inputJson);
      if (!started.ok) return this.fromOutcome(started);
      // main() ran to its first await; what it queued runs in turn, from the scheduler.
      if (this.isolate.hasPendingJobs()) this.env.schedule(this); else this.settleCheck();
    };
    // A call of the module's top level stopped for review (answered in the call, with a memory
    // recorder) holds the agent: main() starts when it is resumed.
    if (this.state === "stopped") { this.held.push(begin); return; }
    this.state = "running";
    begin();
  }

  wait(): Promise<AgentExit> {
    return this.exitValue ? Promise.resolve(this.exitValue) : new Promise((r) => this.exitWaiters.push(r));
  }

  get exit(): AgentExit | null { return this.exitValue; }

  pending(): PendingReview | null { return this.reviews[0]?.review ?? null; }

  /** Lets a syscall stopped for review run, and resumes the agent (unless it was sent SIGSTOP). */
  approve(): boolean {
    return this.decideReview("approved");
  }

  /** Refuses a syscall stopped for review (the agent gets EPERM), and resumes the agent. */
  reject(): boolean {
    return this.decideReview("rejected");
  }

  private decideReview(verdict: "approved" | "rejected"): boolean {
    const r = this.reviews[0];
    if (!r || this.exitValue) return false;
    this.reviews.shift();
    const rec = this.env.recorder.append({ kind: "review", agent: this.who(), verdict, syscall: r.review.syscall, target: r.review.target, of: r.seq });
    // The verdict is an authorization like a decision: durable before the effect runs.
    // The agent goes on once no other call of its waits for review.
    rec.then(() => {
      if (this.exitValue) return;
      if (verdict === "approved") r.proceed(); else r.refuse();
      if (this.reviews.length === 0 && !this.sigstopped) { this.state = "running"; this.resume(); }
    }, (e) => {
      this.env.onRecorderError?.(e);
      if (this.exitValue) return;
      r.fail(e);
      if (this.reviews.length === 0 && !this.sigstopped) { this.state = "running"; this.resume(); }
    });
    return true;
  }

  /** Back to running: hand over what arrived while stopped, then let the guest go on. */
  private resume(): void {
    this.heldChars = 0;
    for (const f of this.held.splice(0)) f();
    this.env.schedule(this);
  }

  signal(sig: SignalName, source: "host" | "kernel" | "policy" = "host"): void {
    if (this.exitValue) return;
    this.note(this.env.recorder.signal(this.who(), sig, source));
    switch (sig) {
      case "SIGSTOP":
        this.sigstopped = true;
        if (this.state === "running") this.state = "stopped";
        return;
      case "SIGCONT":
        this.sigstopped = false;
        if (this.state === "stopped" && this.reviews.length === 0) {
          this.state = "running";
          this.resume();
        }
        return;
      case "SIGINT":
      case "SIGTERM": {
        // A handler gets a grace period to finish; without one the default action ends the agent.
        const handled = this.state !== "stopped" && this.isolate.deliver(sig);
        if (!handled) return this.end("killed", sig, null);
        this.termTimer ??= setTimeout(() => this.signal("SIGKILL", "kernel"), this.env.termGraceMs);
        this.env.schedule(this);
        return;
      }
      case "SIGKILL":
        return this.end("killed", "SIGKILL", null);
      case "SIGPOLICY":
      case "SIGTRUST":
        this.note(this.env.recorder.signal(this.who(), "SIGKILL", "kernel"));
        return this.end("killed", sig, null);
    }
  }

  private recorded: RecordedAgent | null = null;

  /** The agent as records name it: made once and frozen, so the recorder can reuse its checks. */
  private who(): RecordedAgent {
    return (this.recorded ??= Object.freeze({ id: this.id, name: this.info.name, tenant: this.info.tenant, role: this.info.role, labels: Object.freeze({ ...this.info.labels }) }));
  }

  /** Records whose failure changes nothing for the agent still must not go unobserved. */
  private note(p: Promise<unknown>): void {
    p.catch((e) => this.env.onRecorderError?.(e));
  }

  private onSyscall(name: string, argsJson: string | undefined, reply: Reply, path?: string): "pending" | "killed" {
    this.syscalls++;
    if (this.syscalls > this.limits.maxSyscalls) return this.overQuota(`made more than ${this.limits.maxSyscalls} syscalls`);
    // This call is already counted among the waiting ones.
    if (this.overInFlight()) return this.overQuota(`had more than ${this.limits.inFlightBytes} characters of calls waiting at once`);
    if (name === "tool.call" && ++this.toolCalls > this.limits.maxToolCalls) return this.overQuota(`made more than ${this.limits.maxToolCalls} tool calls`);
    const t = translate(name, argsJson, this.limits.argBytes, this.info, path);
    if (t.ok && t.call.input) {
      // Decided on what it will deliver (pipe.recv): wait for that first, then through the gate.
      this.inFlight++;
      t.call.input(this.env.services, this.effectCtx()).then((args) => {
        this.inFlight--;
        if (this.exitValue) t.call.release?.(this.env.services, false);
        else this.gate({ ...t.call.request, args }, t, reply);
      }, (e) => {
        this.inFlight--;
        const err = toSyscallError(e);
        this.deliver(() => reply.reject(err.code, err.message));
      });
      return "pending";
    }
    return this.gate(t.ok ? t.call.request : t.request, t, reply);
  }

  private ctx: EffectCtx | null = null;

  /** What effects see of the agent; an effect's further steps (a redirect) are recorded as within
   * syscall #within. */
  private effectCtx(within = -1): EffectCtx {
    const base = (this.ctx ??= {
      agent: { id: this.id, name: this.info.name, role: this.info.role, tenant: this.info.tenant },
      dead: this.dead.signal,
      decide: () => Promise.resolve(false),
    });
    return { ...base, decide: (request) => this.decideInEffect(request, within) };
  }

  /** The policy's decision, with declared rate limits applied to what it allows. */
  private decide(request: Request): Decision {
    let decision: Decision = this.env.policy.decide(request);
    if (decision.effect === "allow") {
      const admitted = this.env.limits.admit(this.id, request.syscall, request.target, Date.now());
      // Past a declared rate: the policy's on-violation effect, with no rule (the limit is in the log line).
      if (!admitted.ok) {
        decision = { effect: this.env.policy.manifest.onViolation, rule: null, audit: decision.audit };
        this.note(this.env.recorder.append({ kind: "log", agent: this.who(), text: `kernel: limit ${admitted.limit} exceeded by ${request.syscall} ${request.target}` }));
      }
    }
    return decision;
  }

  /** Shadow mode: the candidate's decision of `request`, when it differs from `decision` (counted). */
  private shadowOf(request: Request, decision: Decision): ShadowDecision | undefined {
    const candidate = this.env.shadow;
    if (candidate === undefined) return undefined;
    const d = candidate.decide(request);
    if (d.effect === decision.effect && d.rule === decision.rule) return undefined;
    const shadow: ShadowDecision = { effect: d.effect, rule: d.rule };
    this.env.onShadow?.(request, decision, shadow);
    return shadow;
  }

  /** A further step inside the effect of syscall #within (a redirect): decided and recorded like a
   * syscall of its own, naming the one it is part of. */
  private async decideInEffect(request: Request, within: number): Promise<boolean> {
    if (this.exitValue) return false;
    const decision = this.decide(request);
    const shadow = this.shadowOf(request, decision);
    const ack = this.env.recorder.syscall({ agent: this.who(), syscall: request.syscall, target: request.target, args: request.args, decision, within, ...(shadow ? { shadow } : {}) });
    if (decision.effect !== "allow") {
      this.violate({ syscall: request.syscall, target: request.target, effect: decision.effect, rule: decision.rule, outcome: decision.effect === "kill" ? "killed" : "EPERM" });
      this.note(ack);
      if (decision.effect === "kill") this.signal("SIGPOLICY", "policy");
      return false;
    }
    await ack;
    return !this.exitValue;
  }

  /** Keeps the first MAX_VIOLATIONS violations (their targets cut to VIOLATION_TARGET_CHARS) and
   * counts the rest: a flood of denied calls must not pin the host's memory in the agent's exit. */
  private violate(v: Violation): void {
    this.violationCount++;
    if (this.violations.length >= MAX_VIOLATIONS) return;
    if (v.target.length > VIOLATION_TARGET_CHARS) v.target = cutChars(v.target, VIOLATION_TARGET_CHARS);
    this.violations.push(v);
  }

  /** Decide, record, then act: the one path every syscall takes. */
  private gate(request: Request, t: Translation, reply: Reply): "pending" | "killed" {
    const decision = this.decide(request);
    const shadow = this.env.shadow === undefined ? undefined : this.shadowOf(request, decision);
    const also = shadow === undefined ? NO_SHADOW : { shadow };
    const span = this.env.telemetry ? this.env.telemetry.syscall(request, decision, this.info) : null;
    // Whatever the call reserved (a pipe message offered to this reader) goes back unless the effect runs.
    let ran = false;
    const abandon = (refused = false) => { if (!ran && t.ok) t.call.release?.(this.env.services, refused); };
    // Reaching into another tenant is a breach of trust unless a rule explicitly allows it.
    if (t.ok && t.call.crossTenant !== undefined && !(decision.effect === "allow" && decision.rule !== null)) {
      this.violate({ syscall: request.syscall, target: request.target, effect: decision.effect === "allow" ? "kill" : decision.effect, rule: decision.rule, outcome: "killed", signal: "SIGTRUST" });
      this.note(this.env.recorder.syscall({ agent: this.who(), syscall: request.syscall, target: request.target, args: request.args, decision, outcome: { ok: false }, ...also }));
      this.note(this.env.recorder.append({ kind: "log", agent: this.who(), text: `kernel: cross-tenant ${request.syscall} into tenant ${JSON.stringify(t.call.crossTenant)} not allowed by any rule` }));
      span?.end("killed");
      this.signal("SIGTRUST", "kernel");
      return "killed";
    }
    if (decision.effect === "kill") {
      abandon(true);
      this.violate({ syscall: request.syscall, target: request.target, effect: "kill", rule: decision.rule, outcome: "killed" });
      this.note(this.env.recorder.syscall({ agent: this.who(), syscall: request.syscall, target: request.target, args: request.args, decision, outcome: { ok: false }, ...also }));
      span?.end("killed");
      this.signal("SIGPOLICY", "policy");
      return "killed";
    }
    // Answered in the call, in one record that carries the outcome: a refusal, a malformed call, or
    // an effect that changes nothing and needs no I/O (a read from memory). Its answer reaches the
    // guest once the record is in the log.
    if (decision.effect === "deny") {
      abandon(true);
      this.violate({ syscall: request.syscall, target: request.target, effect: "deny", rule: decision.rule, outcome: "EPERM" });
      return this.answered(request, decision, reply, undefined, denied(request, decision), shadow, span);
    }
    if (decision.effect === "allow" && !t.ok) return this.answered(request, decision, reply, undefined, new SyscallError("EINVAL", "malformed syscall"), shadow, span);
    if (decision.effect === "allow" && t.ok && t.call.now) {
      let out: string | undefined | typeof LATER;
      try { out = t.call.now(this.env.services); } catch (e) { return this.answered(request, decision, reply, undefined, toSyscallError(e), shadow, span); }
      if (out !== LATER) return this.answered(request, decision, reply, out, undefined, shadow, span);
    }
    const rec: SyscallInput = { agent: this.who(), syscall: request.syscall, target: request.target, args: request.args, decision, ...also };
    return this.withEffect(rec, request, decision, t as Translation & { ok: true }, reply, abandon, () => { ran = true; }, span);
  }

  /** A syscall answered in its own record (see gate): recorded with its outcome (`err`, else the
   * answer `payload`), then answered — in the call with a memory recorder, once the record is
   * durable with a file recorder. */
  private answered(request: Request, decision: Decision, reply: Reply, payload: string | undefined, err?: SyscallError, shadow?: ShadowDecision, span?: SyscallSpan | null): "pending" {
    span?.end(err?.code);
    const rec: SyscallInput = { agent: this.who(), syscall: request.syscall, target: request.target, args: request.args, decision,
      outcome: err === undefined ? { ok: true, answer: payload } : { ok: false, errno: err.code } };
    if (shadow !== undefined) rec.shadow = shadow;
    const recorder = this.env.recorder;
    if (recorder.immediate) {
      try { recorder.syscallNow(rec); } catch (e) { this.deliver(() => reply.reject("EIO", unavailable(e))); return "pending"; }
      // The guest is running (this is its call) unless it was stopped or ended meanwhile: answered
      // straight away, without a closure to hold the answer.
      if (this.exitValue || this.state === "stopped") this.give(reply, payload, err);
      else if (!(err === undefined ? reply.resolve(payload) : reply.reject(err.code, err.message))) this.env.schedule(this);
      return "pending";
    }
    this.inFlight++;
    recorder.syscall(rec).then(
      () => this.afterAck(() => { this.inFlight--; this.give(reply, payload, err); }),
      (e) => { this.inFlight--; this.deliver(() => reply.reject("EIO", unavailable(e))); },
    );
    return "pending";
  }

  /** Hands the guest its answer (see deliver). */
  private give(reply: Reply, payload: string | undefined, err: SyscallError | undefined): void {
    this.deliver(() => (err === undefined ? reply.resolve(payload) : reply.reject(err.code, err.message)), err === undefined ? payload?.length ?? 0 : 0);
  }

  /** A syscall with an effect (or one stopped for review): its intent is recorded, and durable,
   * before the effect starts; a `complete` record follows the effect. */
  private withEffect(rec: SyscallInput, request: Request, decision: Decision, t: Translation & { ok: true }, reply: Reply, abandon: (refused?: boolean) => void, started: () => void, span: SyscallSpan | null): "pending" {
    const begun = performance.now();
    this.inFlight++;
    const recorder = this.env.recorder;
    let seq = -1;
    const finish = (ok: boolean, payload: string | undefined, err?: SyscallError) => {
      abandon(false);
      this.inFlight--;
      span?.end(err?.code);
      if (seq >= 0) {
        const done = { of: seq, ok, errno: err?.code ?? null, answer: payload, durationMs: Math.round((performance.now() - begun) * 1000) / 1000 };
        if (!recorder.immediate) this.note(recorder.complete(done));
        else try { recorder.completeNow(done); } catch (e) { this.env.onRecorderError?.(e); }
      }
      this.deliver(() => (ok ? reply.resolve(payload) : reply.reject(err!.code, err!.message)), payload?.length ?? 0);
    };
    const run = () => {
      started();
      // Its completion record and answer run from the scheduler too: effects started together
      // (reads sent before a namespace was ready) finish together.
      t.call.effect(this.env.services, this.effectCtx(seq))
        .then((payload) => this.afterAck(() => finish(true, payload)), (e) => this.afterAck(() => finish(false, undefined, toSyscallError(e))));
    };
    const refuse = () => {
      abandon(true);
      this.violate({ syscall: request.syscall, target: request.target, effect: "stop", rule: decision.rule, outcome: "rejected" });
      finish(false, undefined, denied(request, decision));
    };
    const proceed = (ack: Ack) => {
      seq = ack.seq;
      if (this.exitValue) { abandon(false); this.inFlight--; span?.end("killed"); return; }
      if (decision.effect === "allow") return run();
      // stop: the agent waits in SIGSTOP until an operator approves (the syscall runs) or rejects it.
      this.reviews.push({ review: { syscall: request.syscall, target: request.target, rule: decision.rule, args: request.args ?? null }, seq, proceed: run, refuse, abandon,
        fail: (e) => finish(false, undefined, new SyscallError("EIO", unavailable(e))) });
      this.state = "stopped";
      this.note(recorder.signal(this.who(), "SIGSTOP", "policy"));
    };
    // The recorder failed: fail closed, the effect never happens.
    const unrecorded = (e: unknown) => finish(false, undefined, new SyscallError("EIO", unavailable(e)));
    // Append before effect: nothing happens until the record is durable; a failed append fails closed.
    // What follows the record runs from the scheduler, a slice at a time (see `acked`); an effect
    // that changes something never starts in the slice that asked for it, so a kill or an exit
    // later in that slice still stops it.
    if (!recorder.immediate) {
      recorder.syscall(rec).then((ack) => this.afterAck(() => proceed(ack)), unrecorded);
      return "pending";
    }
    let ack: Ack;
    try { ack = recorder.syscallNow(rec); } catch (e) { unrecorded(e); return "pending"; }
    if (decision.effect === "allow") this.afterAck(() => proceed(ack));
    else proceed(ack);
    return "pending";
  }

  /** Characters of the answers held for a stopped agent, until it is continued. */
  private heldChars = 0;

  /** Characters waiting for the agent: its calls not yet answered, and answers held while it is stopped. */
  private overInFlight(): boolean {
    return this.isolate.pendingChars() + this.heldChars > this.limits.inFlightBytes;
  }

  /** Ends the agent for a spent quota (SIGKILL, EQUOTA). */
  private overQuota(message: string): "killed" {
    this.end("killed", "SIGKILL", { name: "QuotaExceeded", message, code: "EQUOTA" });
    return "killed";
  }

  /** Hands a result (of `chars` characters) to the guest now, or when the agent is continued. The
   * answers held meanwhile count with its waiting calls against inFlightBytes: uncounted, reads of
   * a 1 MiB file sent around a call stopped for review held 1 MB of the host's heap each. */
  private deliver(f: () => boolean | void, chars = 0): void {
    if (this.exitValue) return;
    if (this.state === "stopped") {
      this.held.push(f);
      this.heldChars += chars;
      if (this.overInFlight()) this.overQuota(`had more than ${this.limits.inFlightBytes} characters of calls waiting at once`);
      return;
    }
    // An answer that went back with the call itself needs no turn: the guest is running.
    if (!f()) this.env.schedule(this);
  }

  /**
   * Syscalls whose record is durable, waiting to run their effect and answer the guest, and
   * effects that have finished, waiting to record that and answer. A group commit acknowledges its
   * whole batch at once: run there, 4,000 reads of 1 MB each (the effect, the result's digest, the
   * copy into the guest) held the host for 50 s in one stretch. From the scheduler they run a
   * bounded portion per slice, in order, and other agents, timers and I/O get their turns between.
   */
  private readonly acked: ((() => void) | null)[] = [];
  private ackedAt = 0;
  private ackedRunner: Runnable | null = null;

  private afterAck(f: () => void): void {
    this.acked.push(f);
    if (this.acked.length - this.ackedAt > 1) return; // already queued
    const agent = this;
    this.env.schedule(this.ackedRunner ??= { get priority() { return agent.priority; }, runSlice: (q) => this.runAcked(q) });
  }

  private runAcked(quantumTicks: number): boolean {
    const start = performance.now();
    const most = quantumTicks * ACKED_PER_TICK, ms = quantumTicks * ACKED_MS_PER_TICK;
    for (let n = 0; this.ackedAt < this.acked.length;) {
      const f = this.acked[this.ackedAt]!;
      this.acked[this.ackedAt++] = null;
      f();
      if (++n >= most || performance.now() - start > ms) break;
    }
    if (this.ackedAt < this.acked.length) return true;
    this.acked.length = 0;
    this.ackedAt = 0;
    return false;
  }

  /** Called by the scheduler: runs the guest's pending jobs for one quantum; true when more are waiting. */
  runSlice(quantumTicks: number): boolean {
    if (this.exitValue || this.state === "stopped") return false;
    const r = this.isolate.runJobs(quantumTicks);
    if (!r.ok) { this.fromOutcome(r); return false; }
    if (this.exitValue || this.state !== "running") return false;
    if (this.isolate.hasPendingJobs()) return true;
    this.settleCheck();
    return false;
  }

  /** Interpreter ticks the agent has used so far (its CPU time, as the budget counts it). */
  get ticks(): number { return this.isolate.ticks; }

  /** After guest code ran: did it finish, or can it never go on? */
  private settleCheck(): void {
    if (this.exitValue || this.state !== "running") return;
    if (this.isolate.pendingSyscalls() === 0 && this.inFlight === 0 && !this.isolate.hasPendingJobs() && !this.termTimer) {
      // main did settle, but QuickJS, out of memory, dropped the job that would have said so.
      if (this.isolate.reportSettled()) return;
      this.end("crashed", null, { name: "Deadlock", message: "main() is waiting on something that can never happen (no syscall is pending)", code: "EDEADLK" });
    }
  }

  private onExit(o: MainOutcome): void {
    if (!o.ok) return this.end("crashed", null, o.error);
    let result: unknown = null;
    try { result = o.result === undefined ? null : JSON.parse(o.result); } catch { result = null; }
    this.end("exited", null, null, result);
  }

  private onLog(json: string): void {
    if (++this.logLines > this.limits.maxLogLines) return;
    // A string logs as itself; anything else as its JSON.
    let text = json;
    try { const v = JSON.parse(json); if (typeof v === "string") text = v; } catch { /* keep the JSON */ }
    if (text.length > 4096) text = text.slice(0, 4096) + "…";
    this.note(this.env.recorder.append({ kind: "log", agent: this.who(), text }));
    this.env.onLog?.(this, text);
  }

  private fromOutcome(o: { ok: false; kind: "error" | "interrupted" | "abort"; message: string }): void {
    if (this.exitValue) return;
    if (o.kind === "abort") {
      // The QuickJS instance itself failed: nothing in it can be trusted any more.
      const slot = this.isolate.slot;
      if (slot) slot.poisoned = true;
      return this.end("crashed", null, { name: "IsolateAbort", message: o.message, code: "EABORT" });
    }
    const [name, ...rest] = o.message.split(": ");
    this.end("crashed", null, { name: name || "Error", message: rest.join(": ") || o.message, code: null });
  }

  /** The one way an agent ends: stop the guest, free the isolate, record, tell the waiters. */
  end(status: AgentExit["status"], signal: SignalName | null, error: AgentExit["error"], result: unknown = null): void {
    if (this.exitValue) return;
    if (status === "killed") this.env.telemetry?.killed(signal, error?.code ?? null);
    this.isolate.kill();
    clearTimeout(this.termTimer);
    for (const r of this.reviews.splice(0)) r.abandon(false);
    this.held.length = 0;
    this.state = status;
    this.exitValue = { status, signal, result, error, violations: this.violations, violationCount: this.violationCount, syscalls: this.syscalls };
    // A reason made here, not by abort(): an error made now would keep this call stack, and with
    // it the QuickJS instance the agent ran in, alive for as long as the ended agent is kept.
    this.dead.abort(AGENT_ENDED);
    // Free the isolate after the current guest call has unwound (we may be inside it now).
    queueMicrotask(() => {
      const { bytes, slot } = this.isolate.dispose();
      if (slot) this.env.onEnd(this, slot, bytes);
    });
    this.note(this.env.recorder.agentEvent(this.who(), status, { signal, error, syscalls: this.syscalls }));
    for (const w of this.exitWaiters.splice(0)) w(this.exitValue);
  }
}
