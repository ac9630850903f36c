// The run queue. Guest continuations never run inside the callback that produced their input:
// each runnable agent is queued once and run in turn from a macrotask, so one agent's syscall loop
// cannot starve the others, the host's timers or its I/O. Priorities order the queue (issue 4
// extends this to tick-counted slices).

export interface Runnable {
  /** Runs the agent's pending guest jobs once. */
  runSlice(): void;
  readonly priority: number;
}

export class Scheduler {
  private readonly queue: Runnable[] = [];
  private readonly queued = new Set<Runnable>();
  private scheduled = false;

  enqueue(r: Runnable): void {
    if (this.queued.has(r)) return;
    this.queued.add(r);
    // Higher priority first; equal priorities keep arrival order (round-robin).
    let i = this.queue.length;
    while (i > 0 && this.queue[i - 1]!.priority < r.priority) i--;
    this.queue.splice(i, 0, r);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.drain());
    }
  }

  /** Runs what was queued when this round began; work queued meanwhile waits for the next round. */
  private drain(): void {
    this.scheduled = false;
    const round = this.queue.splice(0);
    for (const r of round) this.queued.delete(r);
    for (const r of round) r.runSlice();
  }
}
