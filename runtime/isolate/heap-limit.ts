// A runtime's heap limit, held in bytes. QuickJS's own limit does not do it in this build: without
// malloc_usable_size, QuickJS counts every allocation as 8 bytes, so its limit bounds one
// allocation's size and not the total (quickjs-emscripten#271). Three parts:
// - Every growth of an instance's memory is asked of `memory.grow`, which the emscripten glue calls
//   as a method of the memory object (and survives a throw: malloc then fails, and QuickJS raises
//   "out of memory" inside the guest). The guard refuses growth past the instance's cap (guest code
//   stops a sixteenth short of it, which is kept for the kernel's own allocations), and growth
//   a runtime's code would cause beyond its limit over its life: memory grows only when the free
//   space is gone, so this bounds what any agent adds to the instance, however it allocates.
// - A runtime is measured (QuickJS's own walk of its heap, which sees buffers and flat strings, not
//   ropes) at safe points: at the interrupt handler or the end of its run of guest code after it
//   caused growth, and every SWEEP_TICKS ticks (OVER_TICKS while it is over), or longer when a walk
//   of a big heap takes milliseconds, so that sweeps stay near 5% of the guest's time.
// - Over its limit, QuickJS's limit is clamped to what it has allocated plus CLAMP_SLACK: a large
//   allocation fails, small ones (a caught error's handling, a syscall) still pass, and the runtime
//   may not grow the memory. Measured under again, its limit is restored. So the guest sees the
//   same catchable "out of memory" QuickJS gives, at its limit in bytes.

/** Past 2 GB an instance fails badly (a 32-bit pointer turns negative), not with a clean OOM. */
export const MODULE_CAP = 1536 * 1024 * 1024;
/** Ticks (about 10k guest operations each) between measures of a runtime that caused no growth:
 * it may fill free space left in the instance meanwhile. */
const SWEEP_TICKS = 256;
/** Ticks between measures of a runtime over its limit (each walks a heap that is big by then). */
const OVER_TICKS = 16;
/** Guest ticks owed per millisecond a measure took, before the next sweep: a tick is about 0.2 ms
 * of guest work, so this keeps sweeps near 5% of the guest's time. */
const TICKS_PER_MEASURE_MS = 100;
/** What an over-limit runtime may still allocate, one allocation at a time. */
const CLAMP_SLACK = 64 * 1024;

/** The heap as QuickJS's walk sees it, and the count QuickJS checks its own limit against. */
export interface HeapUse {
  used: number;
  counted: number;
}

/** What the limit needs of its runtime. */
export interface MeasuredRuntime {
  measureHeap(): HeapUse | null;
  setQuickJSLimit(bytes: number): void;
}

export class HeapLimit {
  /** Bytes (-1: none). */
  private limit = -1;
  private over = false;
  /** Growth of the instance's memory charged to this runtime's code. */
  private grown = 0;
  private measureDue = false;
  private ticksUnmeasured = 0;
  /** Ticks between two measures: longer after a measure that took long (a big heap). */
  private measureEvery = SWEEP_TICKS;

  constructor(private readonly runtime: MeasuredRuntime) {}

  /** A new limit, with nothing charged yet (a prepared runtime given to its agent). */
  set(bytes: number): void {
    this.limit = bytes;
    this.over = false;
    this.grown = 0;
    this.runtime.setQuickJSLimit(bytes);
  }

  /** At each interrupt tick: a safe point to measure. */
  tick(): void {
    if (this.limit >= 0 && (this.measureDue || ++this.ticksUnmeasured >= this.measureEvery)) this.hold();
  }

  /** When a run of guest code ends. */
  afterRun(): void {
    if (this.measureDue) this.hold();
  }

  /** Asked by the growth guard while this runtime's guest code runs. Its first growth always passes
   * (the glue grows by up to a fifth of the instance at once, which can be more than a small
   * agent's whole limit); later ones while the total stays within the limit. Freeing earns nothing
   * back: freed memory is free space, which it reuses without growth. */
  mayGrow(bytes: number): boolean {
    if (this.limit < 0) return true;
    this.measureDue = true;
    if (this.over || (this.grown > 0 && this.grown + bytes > this.limit)) return false;
    this.grown += bytes;
    return true;
  }

  /** Measures, then clamps or restores QuickJS's own limit. */
  private hold(): void {
    this.measureDue = false;
    this.ticksUnmeasured = 0;
    const started = performance.now();
    const m = this.runtime.measureHeap();
    if (m === null) return;
    const costMs = performance.now() - started;
    if (m.used > this.limit) {
      // Clamped once: measuring again while over grants no new slack.
      if (!this.over) this.runtime.setQuickJSLimit(m.counted + CLAMP_SLACK);
      this.over = true;
    } else if (this.over) {
      this.over = false;
      this.runtime.setQuickJSLimit(this.limit);
    }
    this.measureEvery = Math.max(this.over ? OVER_TICKS : SWEEP_TICKS, Math.ceil(costMs * TICKS_PER_MEASURE_MS));
  }
}

/** Puts the guard on an instance's memory: growth past `capBytes`, or charged to a running
 * runtime (`running()`) that may not grow, throws, which the glue takes as malloc failing. Guest code
 * stops a sixteenth short of the cap: the rest is the kernel's, whose own allocations in the instance
 * (a syscall's answer, the value boxes of the FFI) must not find it full. */
export function guardGrowth(memory: WebAssembly.Memory, running: () => HeapLimit | null, capBytes = MODULE_CAP): void {
  const grow = memory.grow;
  const guestCap = capBytes - capBytes / 16;
  Object.defineProperty(memory, "grow", {
    configurable: true,
    writable: true,
    value(this: WebAssembly.Memory, pages: number): number {
      const bytes = pages * 65536, runtime = running();
      if (this.buffer.byteLength + bytes > (runtime ? guestCap : capBytes)) throw new RangeError("the QuickJS instance is at its memory cap");
      if (runtime?.mayGrow(bytes) === false) throw new RangeError("the running agent is at its memory limit");
      return grow.call(this, pages);
    },
  });
}
