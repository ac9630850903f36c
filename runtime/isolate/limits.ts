// Per-agent resource limits. Budgets count interrupt-handler ticks (QuickJS calls the handler about
// every 10k bytecode operations), not wall time: edge runtimes freeze Date.now() while code runs.

export interface IsolateLimits {
  /** Heap limit in bytes; allocation beyond it raises "out of memory" inside the guest. QuickJS's own
   * limit counts allocations, not bytes, in this build: the kernel holds the total (runtime/isolate/heap-limit.ts). */
  memoryBytes: number;
  /** QuickJS stack limit; deeper recursion raises "stack overflow" inside the guest. Above about
   * about 100 KiB the host's own (V8) stack can run out first (deeply nested JSON.parse, say),
   * which aborts the whole QuickJS instance; 64 KiB leaves room. */
  stackBytes: number;
  /** Ticks one uninterrupted run of guest code (a slice) may take before the agent is killed. */
  sliceTicks: number;
  /** Wall-clock milliseconds one slice may take, checked at each tick: native builtins (a 1 MiB
   * `repeat`) do much work per tick. Where the clock is frozen (edge runtimes) ticks still bound it. */
  sliceMs: number;
  /** Ticks over the agent's whole life. */
  totalTicks: number;
  /** Milliseconds of guest code over the agent's whole life, by the clock around each run of it:
   * what ticks do not see, time inside native builtins (a sort, a `repeat`, a stringify), counts
   * here. Where the clock is frozen (edge runtimes) only ticks bound it. */
  cpuMs: number;
  /** Largest JSON argument of one syscall, in UTF-16 code units. */
  argBytes: number;
  /** Syscalls over the agent's whole life (floods of denied calls still fill the recorder). */
  maxSyscalls: number;
  /** Tool calls over the agent's whole life (each may cost money or reach another system). */
  maxToolCalls: number;
  /** Log lines kept; later ones are counted, not recorded. */
  maxLogLines: number;
  /** Characters of the calls an agent has waiting at once (a blocked pipe.send holds its message
   * until a reader takes it): past this, the agent is killed (EQUOTA) rather than fill the host. */
  inFlightBytes: number;
}

export const DEFAULT_LIMITS: IsolateLimits = {
  memoryBytes: 32 * 1024 * 1024,
  stackBytes: 64 * 1024,
  sliceTicks: 2_500,
  sliceMs: 2_000,
  totalTicks: 250_000,
  cpuMs: 60_000,
  argBytes: 1024 * 1024,
  maxSyscalls: 100_000,
  maxToolCalls: 10_000,
  maxLogLines: 1_000,
  inFlightBytes: 64 * 1024 * 1024,
};

/** Smallest value of each limit; a `memoryBytes` or `stackBytes` of 0 is "no limit" to QuickJS. */
const LIMIT_MIN: Record<keyof IsolateLimits, number> = {
  memoryBytes: 1, stackBytes: 1, sliceTicks: 0, sliceMs: 0, totalTicks: 0, cpuMs: 0, argBytes: 0,
  maxSyscalls: 0, maxToolCalls: 0, maxLogLines: 0, inFlightBytes: 0,
};
/** QuickJS takes the stack size as a 32-bit number: 2^32 would wrap to 0, no limit at all. */
const LIMIT_MAX: Partial<Record<keyof IsolateLimits, number>> = { stackBytes: 0xffff_ffff };

/**
 * Refuses limits that would not bound anything: each is compared with `>`, so a NaN (say from
 * `Number(process.env.X)`) turned a budget off, as did a negative heap limit (QuickJS's "none") or a
 * stack size that wraps to 0. Unknown keys are refused too: a misspelled limit was the default.
 */
export function checkLimits(limits: unknown, where = "limits"): void {
  if (limits === undefined) return;
  if (typeof limits !== "object" || limits === null || Array.isArray(limits)) throw new RangeError(`${where} must be an object of limits, not ${String(limits)}`);
  for (const [key, v] of Object.entries(limits)) {
    if (!Object.hasOwn(LIMIT_MIN, key)) throw new RangeError(`${where}.${key} is not a limit (${Object.keys(LIMIT_MIN).join(", ")})`);
    const min = LIMIT_MIN[key as keyof IsolateLimits], max = LIMIT_MAX[key as keyof IsolateLimits] ?? Number.MAX_SAFE_INTEGER;
    if (v === undefined) continue;
    if (!(typeof v === "number" && Number.isInteger(v) && v >= min && v <= max)) {
      throw new RangeError(`${where}.${key} must be a whole number from ${min} to ${max}, not ${typeof v === "string" ? JSON.stringify(v) : String(v)}`);
    }
  }
}
