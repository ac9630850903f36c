// One QuickJS runtime and its one context, driven through quickjs-emscripten's FFI with raw value
// pointers. The library's QuickJSRuntime and QuickJSContext wrap each runtime in about 5 KB of host
// objects (lifetimes, scopes, maps, a host-ref table, a second "system" context made on first use):
// at 10,000 agents that alone is 50 MB. A Vm is one object, registered as its own C→host callbacks.
//
// This is the one file that reaches past the library's public API: its emscripten module (malloc,
// the heap, UTF-8 copies) and its per-module callback registry. `engineOf` checks both and throws a
// clear error if a library update moved them; package.json pins the version this was written for.
// Values are `JSValue*` boxes owned by the caller: each one returned here is freed with `free`.
//
// It also measures each runtime's heap and sets QuickJS's own limit on behalf of heap-limit.ts, which
// holds every runtime to its limit in bytes (QuickJS alone counts allocations, not bytes, here).
import type { QuickJSWASMModule } from "quickjs-emscripten";
import { guardGrowth, HeapLimit, MODULE_CAP, type HeapUse } from "./heap-limit.js";

export type Ptr = number;

/** The FFI calls used here (quickjs-emscripten's `QTS_*`; pointers are numbers). */
interface Ffi {
  QTS_NewRuntime(): Ptr;
  QTS_NewContext(rt: Ptr, intrinsics: number): Ptr;
  QTS_RuntimeSetMemoryLimit(rt: Ptr, limit: number): void;
  QTS_RuntimeSetMaxStackSize(rt: Ptr, size: number): void;
  QTS_RuntimeEnableInterruptHandler(rt: Ptr): void;
  QTS_RuntimeDumpMemoryUsage(rt: Ptr): Ptr;
  QTS_NewFunction(ctx: Ptr, name: string, argLength: number, isConstructor: boolean, hostRefId: number): Ptr;
  QTS_GetGlobalObject(ctx: Ptr): Ptr;
  QTS_SetProp(ctx: Ptr, obj: Ptr, name: Ptr, value: Ptr): void;
  QTS_GetProp(ctx: Ptr, obj: Ptr, name: Ptr): Ptr;
  QTS_Eval(ctx: Ptr, code: Ptr, length: number, filename: string, detectModule: number, flags: number): Ptr;
  QTS_Call(ctx: Ptr, fn: Ptr, self: Ptr, argc: number, argv: Ptr): Ptr;
  QTS_ResolveException(ctx: Ptr, value: Ptr): Ptr;
  QTS_NewString(ctx: Ptr, str: Ptr): Ptr;
  QTS_GetString(ctx: Ptr, value: Ptr): Ptr;
  QTS_FreeCString(ctx: Ptr, str: Ptr): void;
  QTS_NewFloat64(ctx: Ptr, n: number): Ptr;
  QTS_GetFloat64(ctx: Ptr, value: Ptr): number;
  QTS_Typeof(ctx: Ptr, value: Ptr): Ptr;
  QTS_Dump(ctx: Ptr, value: Ptr): Ptr;
  QTS_PromiseState(ctx: Ptr, value: Ptr): number;
  QTS_PromiseResult(ctx: Ptr, value: Ptr): Ptr;
  QTS_IsJobPending(rt: Ptr): number;
  QTS_ExecutePendingJob(rt: Ptr, max: number, lastJobContext: Ptr): Ptr;
  QTS_FreeValuePointer(ctx: Ptr, value: Ptr): void;
  QTS_FreeValuePointerRuntime(rt: Ptr, value: Ptr): void;
  QTS_ArgvGetJSValueConstPointer(argv: Ptr, i: number): Ptr;
  QTS_GetUndefined(): Ptr;
}

interface Emscripten {
  _malloc(n: number): Ptr;
  _free(p: Ptr): void;
  HEAPU8: Uint8Array;
  UTF8ToString(p: Ptr): string;
  stringToUTF8(s: string, p: Ptr, max: number): void;
  lengthBytesUTF8(s: string): number;
}

/** The library's per-module registry, through which C calls back into the host. */
interface Registry {
  setRuntimeCallbacks(rt: Ptr, callbacks: object): void;
  setContextCallbacks(ctx: Ptr, callbacks: object): void;
}

/** What every Vm of one QuickJS module instance shares. */
export interface Engine {
  ffi: Ffi;
  em: Emscripten;
  registry: Registry;
  undef: Ptr;
  /** Scratch words in the module's heap: a call's argv, a job run's out-slot. The C side reads or
   * writes them only within the call, so one set serves every Vm of the instance. */
  scratch: Ptr;
  /** A block in the module's heap for short strings on their way into QuickJS (see newString). */
  strings: Ptr;
  u32: Uint32Array;
  /** The heap as a Buffer, for its latin1 reader (see asciiCString); remade when the memory grows. */
  bytes?: Uint8Array;
  /** The Vm whose guest code is running (growth of the memory is charged to it), if any. */
  current: Vm | null;
}

const FFI_CALLS: (keyof Ffi)[] = ["QTS_NewRuntime", "QTS_NewContext", "QTS_RuntimeSetMemoryLimit", "QTS_RuntimeSetMaxStackSize", "QTS_RuntimeEnableInterruptHandler",
  "QTS_RuntimeDumpMemoryUsage", "QTS_NewFunction", "QTS_GetGlobalObject", "QTS_SetProp", "QTS_GetProp", "QTS_Eval", "QTS_Call", "QTS_ResolveException", "QTS_NewString",
  "QTS_GetString", "QTS_FreeCString", "QTS_NewFloat64", "QTS_GetFloat64", "QTS_Typeof", "QTS_Dump", "QTS_PromiseState", "QTS_PromiseResult", "QTS_IsJobPending",
  "QTS_ExecutePendingJob", "QTS_FreeValuePointer", "QTS_FreeValuePointerRuntime", "QTS_ArgvGetJSValueConstPointer", "QTS_GetUndefined"];

const engines = new WeakMap<QuickJSWASMModule, Engine>();

/** The FFI, heap and callback registry of a QuickJS module instance (checked once per instance).
 * `capBytes` bounds the instance's memory; it is taken from the first call for an instance. */
export function engineOf(module: QuickJSWASMModule, capBytes = MODULE_CAP): Engine {
  let e = engines.get(module);
  if (e) return e;
  const m = module as unknown as { getFFI?: () => Partial<Record<keyof Ffi, unknown>>; module?: Partial<Emscripten>; callbacks?: Partial<Registry>; getWasmMemory?: () => unknown };
  const ffi = typeof m.getFFI === "function" ? m.getFFI() : undefined;
  const em = m.module, registry = m.callbacks;
  const missing = !ffi ? ["getFFI()"] : FFI_CALLS.filter((k) => typeof ffi[k] !== "function");
  if (!em || !["_malloc", "_free", "UTF8ToString", "stringToUTF8", "lengthBytesUTF8"].every((k) => typeof (em as Record<string, unknown>)[k] === "function") || !(em.HEAPU8 instanceof Uint8Array)) missing.push("the emscripten module");
  if (!registry || typeof registry.setRuntimeCallbacks !== "function" || typeof registry.setContextCallbacks !== "function") missing.push("the callback registry");
  let memory: unknown;
  try { memory = m.getWasmMemory?.(); } catch { memory = undefined; }
  if (!(memory instanceof WebAssembly.Memory)) missing.push("getWasmMemory()");
  if (missing.length > 0) throw new Error(`this quickjs-emscripten is not the one ACP drives (missing: ${missing.join(", ")}); install the version package.json names`);
  const full = ffi as Ffi, heap = em as Emscripten;
  const scratch = heap._malloc(16), strings = heap._malloc(STRING_BLOCK);
  if (scratch === 0 || strings === 0) throw new Error("the QuickJS instance has no memory for its host blocks");
  e = { ffi: full, em: heap, registry: registry as Registry, undef: full.QTS_GetUndefined(), scratch, strings, u32: new Uint32Array(heap.HEAPU8.buffer), current: null };
  guardGrowth(memory as WebAssembly.Memory, () => e!.current?.heap ?? null, capBytes);
  engines.set(module, e);
  return e;
}

/** A value box as the FFI returned it. The FFI mallocs each one, and gives 0 when that fails (an
 * instance with no memory left at all): reading through 0 would read whatever lies at address 0,
 * so the instance is treated as failed instead (the isolate reports an abort). */
function box(v: Ptr): Ptr {
  if (v === 0) throw new Error("the QuickJS instance has no memory left for a value");
  return v;
}

/** Bytes of the engine's block for strings into QuickJS: answers shorter than this take no malloc. */
const STRING_BLOCK = 4096;

/** A short ASCII C string read straight from the heap (a syscall's name and path): null for a
 * long one or one with other bytes, which emscripten's decoder reads. */
const latin1Slice = (globalThis as { Buffer?: { prototype: { latin1Slice?: (this: Uint8Array, start: number, end: number) => string } } }).Buffer?.prototype.latin1Slice;
function asciiCString(e: Engine, p: Ptr): string | null {
  if (latin1Slice === undefined) return null;
  const heap = e.em.HEAPU8, limit = Math.min(p + 256, heap.length);
  let end = p;
  for (; end < limit; end++) {
    const c = heap[end]!;
    if (c === 0) break;
    if (c > 0x7f) return null;
  }
  if (end === limit) return null;
  if (e.bytes === undefined || e.bytes.buffer !== heap.buffer) e.bytes = Buffer.from(heap.buffer, heap.byteOffset, heap.byteLength);
  return latin1Slice.call(e.bytes, p, end);
}

/** A view of the heap as it is now: growing the WASM memory replaces the buffer. */
function words(e: Engine): Uint32Array {
  if (e.u32.buffer !== e.em.HEAPU8.buffer) e.u32 = new Uint32Array(e.em.HEAPU8.buffer);
  return e.u32;
}

// quickjs.h: JS_EVAL_TYPE_GLOBAL and JS_EVAL_TYPE_MODULE.
const EVAL_GLOBAL = 0, EVAL_MODULE = 1;

export type Evaluated = { ok: true; value: Ptr } | { ok: false; error: Ptr };
export type JobOutcome = { ok: true; jobs: number } | { ok: false; error: Ptr };
export type PromiseState = "pending" | "fulfilled" | "rejected" | "not a promise";

/** Who a runtime answers to: the agent's isolate, once one has taken the runtime. */
export interface VmHost {
  /** Asked about every 10k guest operations: true stops the guest. */
  onInterrupt(): boolean;
  /** The host entry, called by guest code with one string: a number, a string or nothing back. */
  fromGuest(text: string): number | string | undefined;
  /** Once set, a call from guest code is answered with `refusal` without its string being read:
   * a killed guest still running native code until its next tick costs the host nothing more. */
  readonly refusing?: boolean;
  readonly refusal?: number;
  /** The guest called the function made by `newNotifier` (no arguments are read). */
  notified?(): void;
  /** A run of guest code (outermost: runs inside a host call are part of it) took `ms`. */
  ran?(ms: number): void;
}

/** Host-function ids: the host entry, and the notifier (see newNotifier). */
const ENTRY_ID = 1, NOTIFIER_ID = 2;

/** Interrupt and host-call callbacks for a runtime nobody uses any more: stop, answer nothing. */
const ENDED = { shouldInterrupt: () => 1, freeHostRef: () => {}, callFunction: () => 0 };

export class Vm {
  readonly rt: Ptr;
  readonly ctx: Ptr;

  /** Until set, the guest runs uninterrupted and the host entry answers nothing. */
  host: VmHost | null = null;

  /** Its heap limit, held in bytes (heap-limit.ts). */
  readonly heap: HeapLimit;

  /**
   * A new runtime and context with `entryName` defined as the host entry. Neither is ever freed on
   * its own (see Isolate.dispose): `end` detaches the host side.
   */
  constructor(private readonly e: Engine, entryName: string) {
    const f = e.ffi;
    this.rt = f.QTS_NewRuntime();
    this.heap = new HeapLimit(this);
    e.registry.setRuntimeCallbacks(this.rt, this);
    f.QTS_RuntimeEnableInterruptHandler(this.rt);
    // 0: QuickJS's own full set of intrinsics (JS_NewContext), as the library's default.
    this.ctx = f.QTS_NewContext(this.rt, 0);
    e.registry.setContextCallbacks(this.ctx, this);
    const fn = box(f.QTS_NewFunction(this.ctx, entryName, 1, false, ENTRY_ID));
    const global = box(f.QTS_GetGlobalObject(this.ctx));
    const key = this.newString(entryName);
    f.QTS_SetProp(this.ctx, global, key, fn);
    this.free(key);
    this.free(global);
    this.free(fn);
  }

  setLimits(memoryBytes: number, stackBytes: number): void {
    this.heap.set(memoryBytes);
    this.e.ffi.QTS_RuntimeSetMaxStackSize(this.rt, stackBytes);
  }

  /** @internal C → host: QuickJS asks, about every 10k operations, whether to stop. */
  shouldInterrupt(): 0 | 1 {
    this.heap.tick();
    return this.host?.onInterrupt() ? 1 : 0;
  }

  /** @internal QuickJS's own limit (checked against its count, not bytes: see heap-limit.ts). */
  setQuickJSLimit(bytes: number): void {
    this.e.ffi.QTS_RuntimeSetMemoryLimit(this.rt, bytes);
  }

  /** @internal The heap by QuickJS's walk of it, and QuickJS's own count; from its text report,
   * which allocates nothing inside the runtime (it may be clamped). */
  measureHeap(): HeapUse | null {
    try {
      const p = this.e.ffi.QTS_RuntimeDumpMemoryUsage(this.rt);
      const text = this.e.em.UTF8ToString(p);
      this.e.em._free(p);
      const used = /\nmemory used +\d+ +(\d+)/.exec(text), counted = /\nmemory allocated +\d+ +(\d+)/.exec(text);
      return used && counted ? { used: Number(used[1]), counted: Number(counted[1]) } : null;
    } catch {
      return null;
    }
  }

  /** Runs `f` as this runtime's guest code: memory growth meanwhile is charged to it, and a runtime
   * that grew is measured after. */
  private run<T>(f: () => T): T {
    const e = this.e, prev = e.current;
    e.current = this;
    const outer = this.depth++ === 0, t0 = outer ? performance.now() : 0;
    try {
      return f();
    } finally {
      this.depth--;
      e.current = prev;
      this.heap.afterRun();
      if (outer) this.host?.ran?.(performance.now() - t0);
    }
  }
  /** Runs of guest code under way (a host call inside one starts another). */
  private depth = 0;

  /** @internal C → host: the host entry's function object was freed (only with its runtime). */
  freeHostRef(): void {}

  /** @internal C → host: guest code called the host entry. Returns a fresh box (the C side frees
   * it) or 0 for undefined. */
  callFunction(_ctx: Ptr, _self: Ptr, argc: number, argv: Ptr, id: number): Ptr {
    const f = this.e.ffi;
    try {
      const host = this.host;
      if (id === NOTIFIER_ID) { if (!host?.refusing) host?.notified?.(); return 0; }
      if (host?.refusing) return f.QTS_NewFloat64(this.ctx, host.refusal ?? 0);
      let text = "";
      if (argc > 0) {
        text = this.cString(f.QTS_GetString(this.ctx, f.QTS_ArgvGetJSValueConstPointer(argv, 0)));
      }
      const r = this.host?.fromGuest(text);
      if (r === undefined) return 0;
      return typeof r === "number" ? f.QTS_NewFloat64(this.ctx, r) : this.newString(r);
    } catch {
      return 0;
    }
  }

  /** No more calls reach the host from this runtime: interrupts stop it, the entry answers nothing. */
  end(): void {
    this.host = null;
    this.e.registry.setRuntimeCallbacks(this.rt, ENDED);
    this.e.registry.setContextCallbacks(this.ctx, ENDED);
  }

  evalScript(code: string, filename: string): Evaluated {
    return this.eval(code, filename, EVAL_GLOBAL);
  }

  /** Evaluates an ES module: its namespace, or a promise of it while top-level await is pending. */
  evalModule(code: string, filename: string): Evaluated {
    return this.eval(code, filename, EVAL_MODULE);
  }

  private eval(code: string, filename: string, flags: number): Evaluated {
    const em = this.e.em;
    const length = em.lengthBytesUTF8(code);
    const p = em._malloc(length + 1);
    em.stringToUTF8(code, p, length + 1);
    let v: Ptr;
    try { v = this.run(() => this.e.ffi.QTS_Eval(this.ctx, p, length, filename, 0, flags)); } finally { em._free(p); }
    return this.result(v);
  }

  /** A call's or eval's value, or what it threw. */
  private result(v: Ptr): Evaluated {
    box(v);
    const err = this.e.ffi.QTS_ResolveException(this.ctx, v);
    if (!err) return { ok: true, value: v };
    this.free(v);
    return { ok: false, error: err };
  }

  /** A property's value. A getter or a proxy's trap on the way is guest code, run as such. */
  getProp(obj: Ptr, name: string): Ptr {
    const key = this.newString(name);
    const v = box(this.run(() => this.e.ffi.QTS_GetProp(this.ctx, obj, key)));
    this.free(key);
    return v;
  }

  /** Calls `fn` with up to two arguments and `this` undefined. */
  call(fn: Ptr, a?: Ptr, b?: Ptr): Evaluated {
    return this.callOn(fn, this.e.undef, a, b);
  }

  /** Calls `fn` with up to two arguments and `this` set to `self`. */
  callOn(fn: Ptr, self: Ptr, a?: Ptr, b?: Ptr): Evaluated {
    const e = this.e;
    const argc = a === undefined ? 0 : b === undefined ? 1 : 2;
    // The C side copies argv into its own frame before running guest code, so the shared scratch
    // words can be reused by a call made from inside this one.
    const u32 = words(e);
    if (a !== undefined) u32[e.scratch >> 2] = a;
    if (b !== undefined) u32[(e.scratch >> 2) + 1] = b;
    return this.result(this.run(() => e.ffi.QTS_Call(this.ctx, fn, self, argc, e.scratch)));
  }

  /** Calls `fn(n, text)`; false if it threw (or the text could not be made: a runtime over its limit). */
  callWith(fn: Ptr, n: number, text: string): boolean {
    const a = box(this.e.ffi.QTS_NewFloat64(this.ctx, n));
    const b = this.newString(text);
    const failed = this.e.ffi.QTS_ResolveException(this.ctx, b);
    if (failed) { this.free(failed); this.free(b); this.free(a); return false; }
    const r = this.call(fn, a, b);
    this.free(a);
    this.free(b);
    this.free(r.ok ? r.value : r.error);
    return r.ok;
  }

  newString(text: string): Ptr {
    const em = this.e.em;
    // Short ASCII text (most answers: a file's JSON, a small result) is written into the engine's
    // block by hand: no length pass, no malloc and free around it.
    if (text.length < STRING_BLOCK) {
      const heap = em.HEAPU8, at = this.e.strings, n = text.length;
      let i = 0;
      for (; i < n; i++) {
        const c = text.charCodeAt(i);
        if (c === 0 || c > 0x7f) break;
        heap[at + i] = c;
      }
      if (i === n) {
        heap[at + n] = 0;
        return box(this.e.ffi.QTS_NewString(this.ctx, at));
      }
    }
    const bytes = em.lengthBytesUTF8(text) + 1;
    const p = em._malloc(bytes);
    em.stringToUTF8(text, p, bytes);
    const v = this.e.ffi.QTS_NewString(this.ctx, p);
    em._free(p);
    return box(v);
  }

  /** A function that, called by guest code with any arguments, calls the host's `notified` and
   * returns undefined. Made by QuickJS without compiling anything. */
  newNotifier(name: string): Ptr {
    return box(this.e.ffi.QTS_NewFunction(this.ctx, name, 0, false, NOTIFIER_ID));
  }

  /** A string value's text; undefined for anything that is not a string (nothing is converted). */
  text(v: Ptr): string | undefined {
    return this.typeOf(v) === "string" ? this.cString(this.e.ffi.QTS_GetString(this.ctx, v)) : undefined;
  }

  /** A C string QuickJS made for the host, read and freed. */
  private cString(p: Ptr): string {
    const t = asciiCString(this.e, p) ?? this.e.em.UTF8ToString(p);
    this.e.ffi.QTS_FreeCString(this.ctx, p);
    return t;
  }

  typeOf(v: Ptr): string {
    const p = this.e.ffi.QTS_Typeof(this.ctx, v);
    const t = this.e.em.UTF8ToString(p);
    this.e.em._free(p);
    return t;
  }

  /** A value as the host sees it: primitives as themselves, objects as their JSON (an error's
   * name, message and stack included). What JSON.stringify runs of guest code (toJSON, getters,
   * proxy traps; toString when it fails) runs as the guest's own: its memory is charged to it. */
  dump(v: Ptr): unknown {
    if (this.typeOf(v) === "undefined") return undefined;
    const text = this.cString(this.run(() => this.e.ffi.QTS_Dump(this.ctx, v)));
    try { return JSON.parse(text); } catch { return text; }
  }

  promiseState(v: Ptr): PromiseState {
    const s = this.e.ffi.QTS_PromiseState(this.ctx, v);
    return s === 0 ? "pending" : s === 1 ? "fulfilled" : s === 2 ? "rejected" : "not a promise";
  }

  /** A settled promise's value or reason (a new box). */
  promiseResult(v: Ptr): Ptr {
    return box(this.e.ffi.QTS_PromiseResult(this.ctx, v));
  }

  hasPendingJob(): boolean {
    return this.e.ffi.QTS_IsJobPending(this.rt) !== 0;
  }

  /** Runs up to `max` pending jobs (-1: all); the count run, or what a job threw. */
  runJobs(max: number): JobOutcome {
    const e = this.e, f = e.ffi;
    const slot = e.scratch + 8;
    // The C side writes the out-slot only when a job ran: clear it first, read it after the call
    // through a view of the memory as it is then.
    words(e)[slot >> 2] = 0;
    const value = box(this.run(() => f.QTS_ExecutePendingJob(this.rt, max, slot)));
    const last = words(e)[slot >> 2]!;
    if (last === 0) { f.QTS_FreeValuePointerRuntime(this.rt, value); return { ok: true, jobs: 0 }; }
    // One context per runtime: the job ran in ours. Its value is the job count, or what was thrown.
    if (last === this.ctx && this.typeOf(value) === "number") {
      const n = f.QTS_GetFloat64(this.ctx, value);
      this.free(value);
      return { ok: true, jobs: n };
    }
    return { ok: false, error: value };
  }

  /** Bytes the runtime's heap holds, by QuickJS's walk of it; null if even asking failed. */
  memoryUsed(): number | null {
    return this.measureHeap()?.used ?? null;
  }

  free(v: Ptr): void {
    this.e.ffi.QTS_FreeValuePointer(this.ctx, v);
  }
}
