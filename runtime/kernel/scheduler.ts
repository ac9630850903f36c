// The run queue. Guest continuations never run inside the callback that produced their input:
// each runnable agent is queued once and runs in turn, round by round, from a macrotask. A turn
// of the event loop runs rounds back to back while replies keep arriving on microtasks (syscalls
// to memory need no I/O), for at most TURN_MS; then the host's timers and I/O get their turn. So
// one agent's syscall loop cannot starve the others, nor the host.
//
// A turn is a quantum of interpreter ticks (QuickJS counts one about every 10k bytecode
// operations), not of wall time: edge runtimes freeze the clock while code runs, and ticks make a
// schedule reproducible. An agent with jobs left at the end of its quantum goes to the back of the
// queue for the next round. Priority orders a round (higher first; equal priorities in arrival
// order) and scales the quantum: each step up doubles it, each step down halves it.

export interface Runnable {
  /** Runs the agent's pending guest jobs for up to `quantumTicks`; true when jobs are left. */
  runSlice(quantumTicks: number): boolean;
  readonly priority: number;
}

/** Ticks in a priority-0 quantum. */
export const BASE_QUANTUM_TICKS = 8;
export const MIN_PRIORITY = -3;
export const MAX_PRIORITY = 3;

export function quantumFor(priority: number): number {
  const p = Math.max(MIN_PRIORITY, Math.min(MAX_PRIORITY, Math.trunc(priority) || 0));
  return Math.max(1, Math.round(BASE_QUANTUM_TICKS * 2 ** p));
}

/** How long one macrotask may keep running rounds before the host's timers and I/O get a turn. */
export const TURN_MS = 2;
/** Microtask turns a finished round waits for replies that complete on microtasks (memory-backed
 * files, the memory recorder) before it gives the event loop back. */
const SPIN_TURNS = 64;

export class Scheduler {
  private readonly queue: Runnable[] = [];
  private readonly queued = new Set<Runnable>();
  private scheduled = false;
  private running = false;
  /** Rounds run so far (for operators and tests). */
  rounds = 0;

  constructor(private readonly baseQuantum = BASE_QUANTUM_TICKS) {}

  /** Runnables waiting for a turn. */
  get waiting(): number { return this.queue.length; }

  enqueue(r: Runnable): void {
    if (this.queued.has(r)) return;
    this.queued.add(r);
    let i = this.queue.length;
    while (i > 0 && this.queue[i - 1]!.priority < r.priority) i--;
    this.queue.splice(i, 0, r);
    if (!this.scheduled && !this.running) {
      this.scheduled = true;
      setImmediate(() => void this.turn());
    }
  }

  /**
   * One macrotask: rounds back to back while agents have work, letting the microtasks between them
   * deliver replies that need no I/O (so a syscall to memory does not cost an event-loop turn),
   * until the queue stays empty or TURN_MS have passed; then the event loop gets its turn.
   */
  /** Event-loop turns taken so far. */
  turns = 0;

  private async turn(): Promise<void> {
    this.turns++;
    this.scheduled = false;
    this.running = true;
    const deadline = performance.now() + TURN_MS;
    try {
      for (;;) {
        this.round(deadline);
        for (let i = 0; i < SPIN_TURNS && this.queue.length === 0; i++) await null;
        if (this.queue.length === 0 || performance.now() > deadline) break;
      }
    } finally {
      this.running = false;
    }
    if (this.queue.length > 0 && !this.scheduled) {
      this.scheduled = true;
      setImmediate(() => void this.turn());
    }
  }

  /** Runs what was queued when the round began, one quantum each; the unfinished queue again. Past
   * `deadline`, the rest of the round waits at the head of the queue for the next turn: with 2,000
   * agents a round took 2 s, during which the host's timers and I/O never ran. */
  private round(deadline: number): void {
    this.rounds++;
    const round = this.queue.splice(0);
    for (const r of round) this.queued.delete(r);
    for (let i = 0; i < round.length; i++) {
      const r = round[i]!;
      const quantum = Math.max(1, Math.round(quantumFor(r.priority) * this.baseQuantum / BASE_QUANTUM_TICKS));
      if (r.runSlice(quantum)) this.enqueue(r);
      if (i + 1 < round.length && performance.now() > deadline) {
        const rest = round.slice(i + 1).filter((x) => !this.queued.has(x));
        for (const x of rest) this.queued.add(x);
        this.queue.unshift(...rest);
        return;
      }
    }
  }
}
