// One agent's QuickJS runtime and context: its own heap, stack limit and tick budget. The kernel
// owns it through this class, the only place that touches QuickJS handles, and ends it through
// one disposal path (dispose), which also settles nothing further once the agent is dead.
import type { QuickJSContext, QuickJSHandle, QuickJSRuntime } from "quickjs-emscripten";
import { BOOTSTRAP, KILLED } from "./bootstrap.js";
import { installHostEntry, jobRunner, type JobOutcome } from "./lean-host.js";
import type { IsolateLimits } from "./limits.js";
import type { ModuleSlot } from "./pool.js";

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
  /** main() settled: `{ ok, result }` or `{ ok: false, error }` as JSON made in the guest. */
  exit(json: string): void;
  log(json: string): void;
  /** The budget ran out (the guest is being interrupted). */
  overBudget(which: "slice" | "total"): void;
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

export type RunOutcome = { ok: true } | { ok: false; kind: "error" | "interrupted" | "abort"; message: string };

/**
 * A runtime and context with the bootstrap already evaluated, not yet given to an agent: spawning
 * is then only attaching it and evaluating the agent's module (the bootstrap's parse dominates a
 * cold start). The host entry and the interrupt handler reach the isolate through `owner`.
 */
export interface Prepared {
  rt: QuickJSRuntime;
  ctx: QuickJSContext;
  guest: QuickJSHandle;
  /** The bootstrap's settle(id, text): how syscall outcomes reach the guest. */
  settle: QuickJSHandle;
  /** Calls a guest function with a number and a string (the lean path where available). */
  call: (fn: QuickJSHandle, n: number, text: string) => boolean;
  /** Runs up to n pending jobs (the lean path where available). */
  jobs: (max: number) => JobOutcome;
  owner: { isolate: Isolate | null };
}

/** Makes a Prepared runtime in `slot` (throws if QuickJS fails; nothing of the agent runs here). */
export function prepare(slot: ModuleSlot, limits: Pick<IsolateLimits, "memoryBytes" | "stackBytes">): Prepared {
  const owner: Prepared["owner"] = { isolate: null };
  const rt = slot.module.newRuntime();
  rt.setMemoryLimit(limits.memoryBytes);
  rt.setMaxStackSize(limits.stackBytes);
  rt.setInterruptHandler(() => owner.isolate?.onInterrupt() ?? false);
  const ctx = rt.newContext();
  const entry = installHostEntry(ctx, "__acp_host", (text) => (owner.isolate ? owner.isolate.fromGuest(text) : KILLED));
  const boot = ctx.evalCode(BOOTSTRAP, "acp:bootstrap");
  if (boot.error) {
    const e = ctx.dump(boot.error);
    boot.error.dispose();
    throw new Error(`the bootstrap failed: ${JSON.stringify(e)}`);
  }
  return { rt, ctx, guest: boot.value, settle: ctx.getProp(boot.value, "settle"), call: entry.call, jobs: jobRunner(rt, ctx), owner };
}

export class Isolate {
  private rt: QuickJSRuntime | null;
  private ctx: QuickJSContext | null;
  private guest: QuickJSHandle | null = null;
  /** How the kernel reaches into the guest: its settle function, the call path, the job runner. */
  private io: Pick<Prepared, "settle" | "call" | "jobs"> | null;
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
    const p = prepared ?? prepare(slot, limits);
    p.owner.isolate = this;
    if (prepared) {
      // A spare was prepared under the kernel's defaults; this agent's own limits apply from here.
      p.rt.setMemoryLimit(limits.memoryBytes);
      p.rt.setMaxStackSize(limits.stackBytes);
    }
    this.rt = p.rt;
    this.ctx = p.ctx;
    this.guest = p.guest;
    this.io = p;
  }

  get slot(): ModuleSlot | null {
    return this.home;
  }

  get alive(): boolean {
    return this.rt !== null && !this.killed;
  }

  /** @internal Called by the runtime's interrupt handler. */
  onInterrupt(): boolean {
    if (this.killed) return true;
    this.ticks++;
    this.sliceTicks++;
    if (this.sliceTicks > this.limits.sliceTicks || performance.now() - this.sliceStart > this.limits.sliceMs) { this.host.overBudget("slice"); return true; }
    if (this.ticks > this.limits.totalTicks) { this.host.overBudget("total"); return true; }
    return false;
  }

  /** Stops guest code at its next tick; later calls into the guest do nothing. */
  kill(): void {
    this.killed = true;
  }

  /** Evaluates the agent's ES module (`sys` is already installed) and keeps its default export. */
  load(source: string, filename: string): RunOutcome {
    const ctx = this.ctx!;
    const mod = this.guarded(() => ctx.evalCode(source, filename, { type: "module" }));
    if (!mod.ok) return mod.outcome;
    // Evaluating a module yields a promise of its namespace (top-level await); run it to the end.
    const jobs = this.runJobs();
    if (!jobs.ok) { mod.value.dispose(); return jobs; }
    const state = ctx.getPromiseState(mod.value);
    if (state.type === "rejected") {
      const message = this.describe(state.error);
      state.error.dispose();
      mod.value.dispose();
      return { ok: false, kind: "error", message };
    }
    if (state.type === "pending") { mod.value.dispose(); return { ok: false, kind: "error", message: "the module's top-level await never settled" }; }
    const main = ctx.getProp(state.value, "default");
    if (state.value !== mod.value && state.value.alive) state.value.dispose();
    mod.value.dispose();
    if (ctx.typeof(main) !== "function") { main.dispose(); return { ok: false, kind: "error", message: "the agent module has no default export function main(input)" }; }
    this.main = main;
    return { ok: true };
  }

  private main: QuickJSHandle | null = null;

  /** Calls main(input) through the bootstrap, which reports the outcome with exit(). */
  start(inputJson: string): RunOutcome {
    const ctx = this.ctx!;
    const start = ctx.getProp(this.guest!, "start");
    const input = ctx.newString(inputJson);
    const r = this.guarded(() => ctx.callFunction(start, ctx.undefined, this.main!, input));
    start.dispose();
    input.dispose();
    this.main!.dispose();
    this.main = null;
    if (!r.ok) return r.outcome;
    r.value.dispose();
    return { ok: true };
  }

  /** Asks the guest's handler for a signal; false when it has none. */
  deliver(signal: string): boolean {
    if (!this.alive) return false;
    const ctx = this.ctx!;
    const fn = ctx.getProp(this.guest!, "deliver");
    const sig = ctx.newString(signal);
    const r = this.guarded(() => ctx.callFunction(fn, ctx.undefined, sig));
    fn.dispose();
    sig.dispose();
    if (!r.ok) return false;
    const had = ctx.typeof(r.value) === "boolean" && ctx.dump(r.value) === true;
    r.value.dispose();
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
        const r = this.io!.jobs(quantumTicks === null ? -1 : step);
        if (!r.ok) {
          const message = this.describe(r.error);
          r.error.dispose();
          return { ok: false, kind: this.killed ? "interrupted" : "error", message };
        }
        const charged = r.jobs + this.answeredNow * JOBS_PER_ANSWER;
        this.answeredNow = 0;
        jobs += charged;
        if (!this.chargeJobs(charged)) return { ok: false, kind: "interrupted", message: "InternalError: interrupted" };
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

  /** Does the guest have promise jobs waiting? */
  hasPendingJobs(): boolean {
    return this.alive && this.rt!.hasPendingJob();
  }

  pendingSyscalls(): number {
    return this.inFlight;
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
    if (!isPath && name === "exit") { this.host.exit(text ?? "{}"); return undefined; }
    if (!isPath && name === "log") { this.host.log(text ?? "null"); return undefined; }
    const id = this.nextId++;
    this.inFlight++;
    let settled = false;
    /** While the host is still in the call: an answer now is returned with it. */
    let inCall = true;
    let answer: string | null = null;
    const settle = (outcome: string): boolean => {
      if (settled) return false;
      settled = true;
      this.inFlight--;
      if (inCall) { answer = outcome; return true; }
      if (!this.alive) return false;
      // Runs the bootstrap's settle in the guest: it resolves or rejects the promise the guest holds.
      this.sliceTicks = 0;
      this.sliceStart = performance.now();
      try { this.io!.call(this.io!.settle, id, outcome); } catch { /* an aborted instance is noticed by the next run */ }
      return false;
    };
    const reply: Reply = {
      resolve: (json) => settle(json ?? ""),
      reject: (code, message) => settle("!" + JSON.stringify({ code, message })),
    };
    let verdict: "pending" | "killed";
    try { verdict = isPath ? this.host.syscall(name, undefined, reply, text) : this.host.syscall(name, text, reply); } finally { inCall = false; }
    if (verdict === "killed" || this.killed) {
      if (!settled) { settled = true; this.inFlight--; }
      return KILLED;
    }
    if (answer === null) return id;
    this.answeredNow++;
    return answer;
  }

  private guarded(f: () => { error?: QuickJSHandle; value?: QuickJSHandle } | any): { ok: true; value: QuickJSHandle } | { ok: false; outcome: RunOutcome } {
    this.sliceTicks = 0;
    this.sliceStart = performance.now();
    try {
      const r = f();
      if (r.error) {
        const message = this.describe(r.error);
        r.error.dispose();
        return { ok: false, outcome: { ok: false, kind: this.killed ? "interrupted" : "error", message } };
      }
      return { ok: true, value: r.value };
    } catch (e) {
      return { ok: false, outcome: { ok: false, kind: "abort", message: String((e as Error)?.message ?? e) } };
    }
  }

  /** A guest error as text, read without running guest code (no getters, no toString). */
  private describe(h: QuickJSHandle): string {
    try {
      const ctx = this.ctx!;
      const d = ctx.dump(h) as unknown;
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
    const rt = this.rt;
    const slot = this.home;
    this.killed = true;
    this.home = null;
    if (!rt) return { bytes: 0, slot };
    const used = this.memoryUsed(rt, this.ctx!);
    this.rt = null;
    this.ctx = null;
    this.inFlight = 0;
    this.main = null;
    this.guest = null;
    this.io = null;
    return { bytes: used ?? this.limits.memoryBytes, slot };
  }

  /** Bytes the runtime's heap holds, or null if even asking failed. */
  private memoryUsed(rt: QuickJSRuntime, ctx: QuickJSContext): number | null {
    try {
      const h = rt.computeMemoryUsage();
      const u = (ctx.dump(h) as { memory_used_size?: unknown }).memory_used_size;
      h.dispose();
      return typeof u === "number" ? u : null;
    } catch {
      return null;
    }
  }
}
