// One agent's QuickJS runtime and context: its own heap, stack limit and tick budget. The kernel
// owns it through this class (which reaches QuickJS only through its Vm, vm.ts) and ends it through
// one disposal path (dispose), which also settles nothing further once the agent is dead.
import { ERROR_INFO, KILLED } from "./bootstrap.js";
import type { IsolateLimits } from "./limits.js";
import { prepare, type Prepared } from "./prepared.js";
import type { ModuleSlot } from "./slot.js";
import type { Ptr, Vm, VmHost } from "./vm.js";

/** How the kernel answers a syscall: exactly one of these is called, at most once. Called before
 * `syscall` returns, the answer goes back with the call itself, and they return true (the guest
 * needs no turn for it); called later, they settle the guest's promise and return false. */
export interface Reply {
  resolve(json: string | undefined): boolean;
  reject(code: string, message: string): boolean;
}

export interface IsolateHost {
  /** A syscall from guest code: its arguments as JSON, or (`path` set) a call whose one argument is
   * that path, sent without JSON. Return "killed" to stop the guest right here, uncatchably. */
  syscall(name: string, argsJson: string | undefined, reply: Reply, path?: string): "pending" | "killed";
  /** main() settled: returned (`result` is the JSON of its value, made by the guest's
   * JSON.stringify; undefined when it has none) or failed. */
  exit(outcome: MainOutcome): void;
  log(json: string): void;
  /** The budget ran out (the guest is being interrupted). */
  overBudget(which: "slice" | "total" | "cpu"): void;
}

/** At most this many jobs per quantum, so a flood of tiny jobs (each below one tick) still yields. */
const QUANTUM_JOBS = 65_536;
/** Jobs run between two looks at the tick count: one after a job that used a tick (a quantum ends
 * at a job boundary, close to its tick count), doubling while jobs use none, up to this many. */
const MAX_STEP_JOBS = 256;
/** Promise jobs charged as one tick. QuickJS counts its interrupt ticks on bytecode (about every
 * 10k operations, ~0.2 ms here), but a chain of tiny awaits runs thousands of jobs per tick. 64
 * tiny jobs take less than a tick's time (over-charging is the safe side), so a job flood pays for
 * its CPU like a loop does. */
export const JOBS_PER_TICK = 64;
/** A syscall answered inside the guest's call (a read from memory) is host work done within the
 * agent's slice, which QuickJS's ticks do not see: it is charged as this many jobs (~8 µs of host
 * time, where a tiny job is about 1 µs), so an agent reading in a loop gets no more of the CPU per
 * quantum than one computing. */
export const JOBS_PER_ANSWER = 8;
/** Characters of one host call charged as one tick. Copying a call out of QuickJS and handling it
 * is host work QuickJS's ticks never see: a loop of `sys.log` with an 8 MB string used to hold the
 * host for a minute between two ticks. 64 Ki characters take ~0.1–0.2 ms, about a tick. */
export const CHARS_PER_TICK = 65_536;

export type MainOutcome =
  | { ok: true; result: string | undefined }
  | { ok: false; error: { name: string; message: string; code: string | null } };

export type RunOutcome = { ok: true } | { ok: false; kind: "error" | "interrupted" | "abort"; message: string };

export class Isolate implements VmHost {
  /** The runtime and the bootstrap's functions; null once disposed. */
  private io: Prepared | null;
  /** Syscalls made and not yet answered (each answered once: see `settled` in fromGuest). */
  private inFlight = 0;
  private nextId = 0;
  private sliceTicks = 0;
  private sliceStart = 0;
  /** Interrupt-handler ticks so far, over the agent's life. */
  ticks = 0;
  /** Once set, the interrupt handler stops any guest code and nothing calls into the guest again. */
  private killed = false;

  /** The QuickJS instance this isolate's runtime lives in; null once disposed, so that an ended
   * agent kept for the record does not keep the instance's whole linear memory alive. */
  private home: ModuleSlot | null;

  constructor(slot: ModuleSlot, private readonly limits: IsolateLimits, private readonly host: IsolateHost, prepared?: Prepared) {
    this.home = slot;
    const p = prepared ?? prepare(slot.module, limits);
    p.vm.host = this;
    // A spare was prepared under the kernel's defaults; this agent's own limits apply from here.
    if (prepared) p.vm.setLimits(limits.memoryBytes, limits.stackBytes);
    this.io = p;
  }

  get slot(): ModuleSlot | null {
    return this.home;
  }

  get alive(): boolean {
    return this.io !== null && !this.killed;
  }

  /** @internal Called by the runtime's interrupt handler. */
  onInterrupt(): boolean {
    if (this.killed) return true;
    this.ticks++;
    this.sliceTicks++;
    return this.exhausted();
  }

  /** Ends the agent if its slice or its whole budget is spent; true when it did. */
  private exhausted(): boolean {
    const now = performance.now();
    if (this.sliceTicks > this.limits.sliceTicks || now - this.sliceStart > this.limits.sliceMs) { this.host.overBudget("slice"); return true; }
    if (this.ticks > this.limits.totalTicks) { this.host.overBudget("total"); return true; }
    if (this.cpuUsed + (now - this.sliceStart) > this.limits.cpuMs) { this.host.overBudget("cpu"); return true; }
    return false;
  }

  /** Milliseconds its guest code has run, by the clock (see IsolateLimits.cpuMs). */
  cpuUsed = 0;

  /** @internal A run of its guest code ended (see VmHost.ran). */
  ran(ms: number): void {
    this.cpuUsed += ms;
  }

  /** Stops guest code at its next tick; later calls into the guest do nothing. */
  kill(): void {
    this.killed = true;
  }

  /** @internal VmHost: a killed agent's calls are refused unread. */
  get refusing(): boolean {
    return this.killed;
  }
  readonly refusal = KILLED;

  /** Evaluates the agent's ES module (`sys` is already installed) and keeps its default export. */
  load(source: string, filename: string): RunOutcome {
    const vm = this.io!.vm;
    const mod = this.guarded(() => vm.evalModule(source, filename));
    if (!mod.ok) return mod.outcome;
    // Evaluating a module yields its namespace, or a promise of it (top-level await): run it to the end.
    const jobs = this.runJobs();
    if (!jobs.ok) { vm.free(mod.value); return jobs; }
    const state = vm.promiseState(mod.value);
    if (state === "pending") { vm.free(mod.value); return { ok: false, kind: "error", message: "the module's top-level await never settled" }; }
    const settled = state === "not a promise" ? mod.value : vm.promiseResult(mod.value);
    if (settled !== mod.value) vm.free(mod.value);
    if (state === "rejected") {
      const message = this.describe(settled);
      vm.free(settled);
      return { ok: false, kind: "error", message };
    }
    const main = vm.getProp(settled, "default");
    vm.free(settled);
    if (vm.typeOf(main) !== "function") { vm.free(main); return { ok: false, kind: "error", message: "the agent module has no default export function main(input)" }; }
    this.main = main;
    return { ok: true };
  }

  private main: Ptr | null = null;

  /**
   * Runs main(input) and arranges for its outcome to reach the host's `exit`. Done from the host,
   * with the intrinsics the bootstrap captured before any agent code ran, so that no isolate has to
   * compile it (a cold spawn is mostly QuickJS compiling the bootstrap): main(input), then
   * `then.call(Promise.resolve(result), notify, notify)` with a host notifier, which reads the
   * promise's state when it settles.
   */
  start(inputJson: string): RunOutcome {
    const { vm, boot } = this.io!;
    const main = this.main!;
    this.main = null;
    this.sliceTicks = 0;
    this.sliceStart = performance.now();
    const held: Ptr[] = [main];
    const get = (key: string): Ptr => { const v = vm.getProp(boot, key); held.push(v); return v; };
    try {
      const text = vm.newString(inputJson);
      held.push(text);
      const input = vm.call(get("parse"), text);
      if (!input.ok) return this.failedCall(input.error);
      held.push(input.value);
      // A throw from main, or from reading what it returned, is main failing.
      const returned = vm.call(main, input.value);
      if (!returned.ok) return this.mainFailed(returned.error);
      held.push(returned.value);
      const outcome = vm.call(get("resolve"), returned.value);
      if (!outcome.ok) return this.mainFailed(outcome.error);
      this.outcome = outcome.value;
      const notify = vm.newNotifier("exit");
      held.push(notify);
      const then = vm.callOn(get("then"), outcome.value, notify, notify);
      if (!then.ok) return this.failedCall(then.error);
      held.push(then.value);
      return { ok: true };
    } catch (e) {
      return { ok: false, kind: "abort", message: String((e as Error)?.message ?? e) };
    } finally {
      for (const v of held) vm.free(v);
    }
  }

  /** main's promise (or Promise.resolve of what it returned), until its outcome is reported. */
  private outcome: Ptr | null = null;

  /** @internal VmHost: main's promise settled; its outcome goes to the host's `exit`. True when
   * there was a settled outcome to report. */
  notified(): boolean {
    const p = this.outcome;
    if (p === null || !this.io || this.killed) return false;
    const vm = this.io.vm;
    const state = vm.promiseState(p);
    if (state !== "fulfilled" && state !== "rejected") return false;
    this.outcome = null;
    const value = vm.promiseResult(p);
    vm.free(p);
    if (state === "rejected") { this.mainFailed(value); return true; }
    let result: string | undefined;
    const stringify = vm.getProp(this.io.boot, "stringify");
    const r = vm.call(stringify, value);
    vm.free(stringify);
    vm.free(value);
    if (r.ok) { result = vm.text(r.value); vm.free(r.value); } else vm.free(r.error);
    this.report({ ok: true, result });
    return true;
  }

  /** Reports main's outcome now if its promise has settled and that was not reported yet: QuickJS
   * drops a promise job it has no memory to queue, so the notifier may never be called. True when
   * the agent has ended by it. */
  reportSettled(): boolean {
    return this.notified();
  }

  /** main threw or rejected with `error` (freed here): reported as a failed exit, unless the throw
   * was the interrupt that is stopping the agent. */
  private mainFailed(error: Ptr): RunOutcome {
    if (this.killed) return this.failedCall(error);
    const vm = this.io!.vm;
    let info: { name: string; message: string; code: string | null } | null = null;
    const describe = this.errorInfo();
    const r = describe === null ? null : vm.call(describe, error);
    vm.free(error);
    if (r && !r.ok) {
      vm.free(r.error);
      if (this.killed) return { ok: false, kind: "interrupted", message: "InternalError: interrupted" };
    } else if (r) {
      info = parseErrorInfo(vm.text(r.value));
      vm.free(r.value);
    }
    this.report({ ok: false, error: info ?? { name: "Error", message: "unreadable error", code: null } });
    return { ok: true };
  }

  /** main's outcome to the host, its size charged like any call's (a huge result is host work). */
  private report(outcome: MainOutcome): void {
    const chars = outcome.ok ? (outcome.result?.length ?? 0) : outcome.error.name.length + outcome.error.message.length;
    if (this.killed || (chars >= CHARS_PER_TICK && !this.chargeHostWork(chars))) return;
    this.host.exit(outcome);
  }

  /** `(e) => JSON of [String(e && e.name), String(e && e.message), code or null]`, compiled the first
   * time an agent fails (most never do), over the bootstrap's String and JSON.stringify. */
  private errorInfo(): Ptr | null {
    if (this.describer !== null) return this.describer;
    const vm = this.io!.vm;
    const made = vm.evalScript(ERROR_INFO, "acp:error-info");
    if (!made.ok) { vm.free(made.error); return null; }
    const S = vm.getProp(this.io!.boot, "String"), J = vm.getProp(this.io!.boot, "stringify");
    const r = vm.call(made.value, S, J);
    vm.free(S);
    vm.free(J);
    vm.free(made.value);
    if (!r.ok) { vm.free(r.error); return null; }
    return (this.describer = r.value);
  }
  private describer: Ptr | null = null;

  /** A call the host made into the guest failed: what that means for the agent. */
  private failedCall(error: Ptr): Extract<RunOutcome, { ok: false }> {
    const message = this.describe(error);
    this.io?.vm.free(error);
    return { ok: false, kind: this.killed ? "interrupted" : "error", message };
  }

  /** Asks the guest's handler for a signal; false when it has none. */
  deliver(signal: string): boolean {
    if (!this.alive) return false;
    const { vm, deliver } = this.io!;
    const sig = vm.newString(signal);
    const r = this.guarded(() => vm.call(deliver, sig));
    vm.free(sig);
    if (!r.ok) return false;
    const had = vm.typeOf(r.value) === "boolean" && vm.dump(r.value) === true;
    vm.free(r.value);
    return had;
  }

  /**
   * Runs pending guest jobs (promise continuations). With a quantum, it stops once the jobs it ran
   * have used that many ticks (or QUANTUM_JOBS jobs), leaving the rest for the agent's next turn:
   * each run of a few jobs is one slice for the kill budget, so a long chain of awaits is preempted,
   * not killed. Without one (module evaluation), it runs to quiescence as a single slice.
   */
  runJobs(quantumTicks: number | null = null): RunOutcome {
    if (!this.alive) return { ok: true };
    const started = this.ticks;
    let jobs = 0;
    let step = 1;
    this.sliceTicks = 0;
    this.sliceStart = performance.now();
    try {
      for (;;) {
        if (quantumTicks !== null) { this.sliceTicks = 0; this.sliceStart = performance.now(); }
        const before = this.ticks;
        const r = this.io!.vm.runJobs(quantumTicks === null ? -1 : step);
        if (!r.ok) {
          const message = this.describe(r.error);
          this.io?.vm.free(r.error);
          return { ok: false, kind: this.killed ? "interrupted" : "error", message };
        }
        const charged = r.jobs + this.answeredNow * JOBS_PER_ANSWER;
        this.answeredNow = 0;
        jobs += charged;
        if (!this.chargeJobs(charged) || !this.withinCpu()) return { ok: false, kind: "interrupted", message: "InternalError: interrupted" };
        if (quantumTicks === null || r.jobs < step || !this.alive) return { ok: true };
        if (this.ticks - started >= quantumTicks || jobs >= QUANTUM_JOBS) return { ok: true };
        step = this.ticks === before ? Math.min(step * 2, MAX_STEP_JOBS) : 1;
      }
    } catch (e) {
      return { ok: false, kind: "abort", message: String((e as Error)?.message ?? e) };
    }
  }

  private jobCarry = 0;
  /** Syscalls answered in the guest's own call and not yet charged. */
  private answeredNow = 0;

  /** Charges executed jobs to the tick budget; false when that ended it. */
  private chargeJobs(n: number): boolean {
    this.jobCarry += n;
    if (this.jobCarry < JOBS_PER_TICK) return true;
    const t = Math.floor(this.jobCarry / JOBS_PER_TICK);
    this.jobCarry -= t * JOBS_PER_TICK;
    this.ticks += t;
    if (!this.killed && this.ticks > this.limits.totalTicks) { this.host.overBudget("total"); return false; }
    return true;
  }

  /** After a run of jobs: time spent in native builtins, which no tick saw, counts against cpuMs. */
  private withinCpu(): boolean {
    if (this.killed || this.cpuUsed <= this.limits.cpuMs) return true;
    this.host.overBudget("cpu");
    return false;
  }

  /** Does the guest have promise jobs waiting? */
  hasPendingJobs(): boolean {
    return this.alive && this.io!.vm.hasPendingJob();
  }

  pendingSyscalls(): number {
    return this.inFlight;
  }

  /** Characters of the calls still waiting for their outcome. */
  pendingChars(): number {
    return this.inFlightChars;
  }
  private inFlightChars = 0;

  /** Charges host work on a call of `chars` characters to the slice and the agent's budget; false
   * when that ended the agent (the caller returns KILLED). */
  private chargeHostWork(chars: number): boolean {
    const t = Math.floor(chars / CHARS_PER_TICK);
    this.ticks += t;
    this.sliceTicks += t;
    return !this.exhausted();
  }

  /** @internal The host entry's handler: a call from guest code (see BOOTSTRAP for the protocol). */
  fromGuest(call: string): number | string | undefined {
    // The name ends at the first newline (JSON follows) or tab (a path follows, which may itself
    // hold either; JSON holds neither raw).
    const nl = call.indexOf("\n"), tab = call.indexOf("\t");
    const isPath = tab >= 0 && (nl < 0 || tab < nl);
    const end = isPath ? tab : nl;
    const name = end < 0 ? call : call.slice(0, end);
    const text = end < 0 ? undefined : call.slice(end + 1);
    if (this.killed) return KILLED;
    if (call.length >= CHARS_PER_TICK && !this.chargeHostWork(call.length)) return KILLED;
    if (!isPath && name === "log") { this.host.log(text ?? "null"); return undefined; }
    const pending = new PendingCall(this, this.nextId++, call.length);
    this.inFlight++;
    this.inFlightChars += pending.chars;
    let verdict: "pending" | "killed";
    try { verdict = isPath ? this.host.syscall(name, undefined, pending, text) : this.host.syscall(name, text, pending); } finally { pending.inCall = false; }
    if (verdict === "killed" || this.killed) {
      if (!pending.settled) { pending.settled = true; this.inFlight--; this.inFlightChars -= pending.chars; }
      return KILLED;
    }
    const answer = pending.answer;
    if (answer === null) return pending.id;
    this.answeredNow++;
    // The answer is host work of its size too (a read of 1 MiB: its JSON, digest and copy into
    // QuickJS took ~10 ms, charged as 8 jobs, and a loop of them held the host for 4.6 s in a slice).
    if ((answer as string).length >= CHARS_PER_TICK && !this.chargeHostWork((answer as string).length)) return KILLED;
    return answer;
  }

  /** @internal A call's outcome (see PendingCall): true when it goes back with the call itself. */
  settle(call: PendingCall, outcome: string): boolean {
    if (call.settled) return false;
    call.settled = true;
    this.inFlight--;
    this.inFlightChars -= call.chars;
    if (call.inCall) { call.answer = outcome; return true; }
    if (!this.alive) return false;
    // Runs the bootstrap's settle in the guest: it resolves or rejects the promise the guest holds.
    this.sliceTicks = 0;
    this.sliceStart = performance.now();
    try { this.io!.vm.callWith(this.io!.settle, call.id, outcome); } catch { /* an aborted instance is noticed by the next run */ }
    return false;
  }

  private guarded(f: () => { ok: true; value: Ptr } | { ok: false; error: Ptr }): { ok: true; value: Ptr } | { ok: false; outcome: RunOutcome } {
    this.sliceTicks = 0;
    this.sliceStart = performance.now();
    try {
      const r = f();
      return r.ok ? r : { ok: false, outcome: this.failedCall(r.error) };
    } catch (e) {
      return { ok: false, outcome: { ok: false, kind: "abort", message: String((e as Error)?.message ?? e) } };
    }
  }

  /** A guest error as text, by QuickJS's dump: guest code it runs (toJSON, getters) is held to the
   * agent's heap limit and ticks like any other, and a killed agent's stops at its next tick. */
  private describe(v: Ptr): string {
    try {
      const d = this.io!.vm.dump(v);
      if (d && typeof d === "object") {
        const o = d as { name?: unknown; message?: unknown };
        return `${typeof o.name === "string" ? o.name : "Error"}: ${typeof o.message === "string" ? o.message : ""}`;
      }
      return String(d);
    } catch {
      return "unreadable error";
    }
  }

  /**
   * Ends the runtime. QuickJS asserts, aborting the whole WASM instance and every agent in it, when
   * a runtime is freed while it still holds objects that interrupted code, queued jobs or an
   * out-of-memory inside the guest left behind, and the host cannot see all of those. So runtimes
   * are never freed one by one: the isolate lets go of it, reports the bytes it holds, and the pool
   * retires the module instance once enough is held, dropping all of its memory at once when its
   * last agent ends (runtime/isolate/pool.ts).
   */
  dispose(): { bytes: number; slot: ModuleSlot | null } {
    const io = this.io;
    const slot = this.home;
    this.killed = true;
    this.home = null;
    if (!io) return { bytes: 0, slot };
    const used = io.vm.memoryUsed();
    io.vm.end();
    this.io = null;
    this.inFlight = 0;
    this.inFlightChars = 0;
    this.main = null;
    this.outcome = null;
    this.describer = null;
    return { bytes: used ?? this.limits.memoryBytes, slot };
  }
}

/** The error-info helper's answer, if it has the shape it makes (a `toJSON` agent code put on
 * Array.prototype could change it, and only the agent's own report would suffer). */
function parseErrorInfo(json: string | undefined): { name: string; message: string; code: string | null } | null {
  if (json === undefined) return null;
  let v: unknown;
  try { v = JSON.parse(json); } catch { return null; }
  if (!Array.isArray(v) || v.length !== 3) return null;
  const [name, message, code] = v as unknown[];
  return typeof name === "string" && typeof message === "string" && (code === null || typeof code === "string") ? { name, message, code } : null;
}

/** A syscall from the guest until its outcome: the kernel's Reply to it, settled once. */
class PendingCall implements Reply {
  settled = false;
  /** While the host is still in the call: an answer now is returned with it. */
  inCall = true;
  answer: string | null = null;
  constructor(private readonly isolate: Isolate, readonly id: number, readonly chars: number) {}
  resolve(json: string | undefined): boolean {
    return this.isolate.settle(this, json ?? "");
  }
  reject(code: string, message: string): boolean {
    return this.isolate.settle(this, "!" + JSON.stringify({ code, message }));
  }
}
