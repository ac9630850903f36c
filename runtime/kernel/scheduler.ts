// The run queue. Guest continuations never run inside the callback that produced their input:
// each runnable agent is queued once and runs in turn from a macrotask, so one agent's syscall
// loop cannot starve the others, the host's timers or its I/O.
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

export class Scheduler {
  private readonly queue: Runnable[] = [];
  private readonly queued = new Set<Runnable>();
  private scheduled = false;
  /** Rounds run so far (for operators and tests). */
  rounds = 0;

  constructor(private readonly baseQuantum = BASE_QUANTUM_TICKS) {}

  enqueue(r: Runnable): void {
    if (this.queued.has(r)) return;
    this.queued.add(r);
    let i = this.queue.length;
    while (i > 0 && this.queue[i - 1]!.priority < r.priority) i--;
    this.queue.splice(i, 0, r);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.drain());
    }
  }

  /** Runs one round: what was queued when it began, one quantum each; the unfinished queue again. */
  private drain(): void {
    this.scheduled = false;
    this.rounds++;
    const round = this.queue.splice(0);
    for (const r of round) this.queued.delete(r);
    for (const r of round) {
      const quantum = Math.max(1, Math.round(quantumFor(r.priority) * this.baseQuantum / BASE_QUANTUM_TICKS));
      if (r.runSlice(quantum)) this.enqueue(r);
    }
  }
}
