// A lean guest ↔ host crossing for the one host entry every syscall goes through. quickjs-emscripten's
// `newFunction` path wraps every call in a handle scope, weak lifetimes for `this` and each argument,
// and a generator-based maybe-async driver: most of its cost is that JS, not WASM. The kernel's
// entry has a fixed shape — one string in (made by the bootstrap, never by agent code), a number or
// nothing out — so it can read the argument and make the result with four FFI calls.
//
// This reaches into the library's internals (its FFI object, emscripten module, host-ref map and
// per-context C→host callbacks). Everything is checked first: if any of it is not as expected (a
// different library version), `installHostEntry` falls back to the public `newFunction`, which has
// the same behaviour, only slower. `runtime/isolate/lean-host.test.ts` runs both paths.
import type { QuickJSContext, QuickJSHandle, QuickJSRuntime } from "quickjs-emscripten";

/** What the entry does with the guest's string: a number or a string for the guest, or undefined. */
export type HostEntry = (text: string) => number | string | undefined;

interface Internals {
  ffi: {
    QTS_ArgvGetJSValueConstPointer(argv: number, i: number): number;
    QTS_GetString(ctx: number, value: number): number;
    QTS_FreeCString(ctx: number, str: number): void;
    QTS_NewFloat64(ctx: number, n: number): number;
    QTS_NewString(ctx: number, str: number): number;
    QTS_Call(ctx: number, fn: number, self: number, argc: number, argv: number): number;
    QTS_ResolveException(ctx: number, value: number): number;
    QTS_FreeValuePointer(ctx: number, value: number): void;
    QTS_GetUndefined(): number;
  };
  module: { UTF8ToString(ptr: number): string; lengthBytesUTF8(s: string): number; stringToUTF8(s: string, ptr: number, max: number): void; _malloc(n: number): number; _free(p: number): void; HEAPU8: Uint8Array };
  ctx: { value: number };
  runtime: { hostRefs: { put(v: unknown): number } };
  cToHostCallbacks: { callFunction(ctx: number, self: number, argc: number, argv: number, id: number): number };
}

function internals(ctx: QuickJSContext): Internals | null {
  const c = ctx as unknown as Partial<Internals>;
  const f = c.ffi, m = c.module;
  const fns = ["QTS_ArgvGetJSValueConstPointer", "QTS_GetString", "QTS_FreeCString", "QTS_NewFloat64", "QTS_NewString", "QTS_Call", "QTS_ResolveException", "QTS_FreeValuePointer", "QTS_GetUndefined"] as const;
  if (!f || fns.some((k) => typeof f[k] !== "function")) return null;
  if (!m || typeof m.UTF8ToString !== "function" || typeof m.stringToUTF8 !== "function" || typeof m.lengthBytesUTF8 !== "function" || typeof m._malloc !== "function" || typeof m._free !== "function" || !(m.HEAPU8 instanceof Uint8Array)) return null;
  if (typeof c.ctx?.value !== "number" || typeof c.runtime?.hostRefs?.put !== "function" || typeof c.cToHostCallbacks?.callFunction !== "function") return null;
  return c as Internals;
}

/** Set ACP_LEAN_CROSSING=0 to force the library path (for comparison, or if a library update breaks this one). */
const leanWanted = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.ACP_LEAN_CROSSING !== "0";

/**
 * Defines global `name` as the host entry. Returns a `call(fn, id, text)` that calls a guest
 * function with a number and a string (the other direction), and whether the lean path is in use.
 */
export function installHostEntry(ctx: QuickJSContext, name: string, entry: HostEntry, lean = leanWanted): { lean: boolean; call: (fn: QuickJSHandle, n: number, text: string) => boolean } {
  const fallbackFn = (h: QuickJSHandle | undefined) => {
    const r = entry(h !== undefined && ctx.typeof(h) === "string" ? ctx.getString(h) : "");
    return r === undefined ? undefined : typeof r === "string" ? ctx.newString(r) : ctx.newNumber(r);
  };
  const fallbackCall = (fn: QuickJSHandle, n: number, text: string): boolean => {
    const a = ctx.newNumber(n), b = ctx.newString(text);
    const r = ctx.callFunction(fn, ctx.undefined, a, b);
    a.dispose();
    b.dispose();
    const ok = !r.error;
    r.dispose();
    return ok;
  };
  const x = lean ? internals(ctx) : null;
  if (!x) {
    const h = ctx.newFunction(name, fallbackFn);
    ctx.setProp(ctx.global, name, h);
    h.dispose();
    return { lean: false, call: fallbackCall };
  }
  // Learn the host-ref id the library gives our function, then answer exactly that id.
  const refs = x.runtime.hostRefs;
  const put = refs.put;
  let id: number | null = null;
  refs.put = function (this: unknown, v: unknown) { const r = put.call(this, v); id = r; return r; };
  let h: QuickJSHandle;
  try { h = ctx.newFunction(name, fallbackFn); } finally { refs.put = put; }
  ctx.setProp(ctx.global, name, h);
  h.dispose();
  if (id === null) return { lean: false, call: fallbackCall };
  const { ffi, module: mod } = x;
  const ctxPtr = x.ctx.value;
  const cbs = x.cToHostCallbacks;
  const next = cbs.callFunction;
  const mine = id;
  cbs.callFunction = (ctxp, self, argc, argv, fnId) => {
    if (fnId !== mine || ctxp !== ctxPtr) return next.call(cbs, ctxp, self, argc, argv, fnId);
    try {
      let text = "";
      if (argc > 0) {
        const s = ffi.QTS_GetString(ctxPtr, ffi.QTS_ArgvGetJSValueConstPointer(argv, 0));
        text = mod.UTF8ToString(s);
        ffi.QTS_FreeCString(ctxPtr, s);
      }
      const r = entry(text);
      // The C side takes the value out of this fresh box and frees the box.
      if (r === undefined) return 0;
      if (typeof r === "number") return ffi.QTS_NewFloat64(ctxPtr, r);
      return newString(r);
    } catch {
      return 0;
    }
  };
  const undef = ffi.QTS_GetUndefined();
  let u32 = new Uint32Array(mod.HEAPU8.buffer);
  /** A guest string (a boxed JSValue pointer) made from a host string. */
  function newString(text: string): number {
    const bytes = mod.lengthBytesUTF8(text) + 1;
    const str = mod._malloc(bytes);
    mod.stringToUTF8(text, str, bytes);
    const v = ffi.QTS_NewString(ctxPtr, str);
    mod._free(str);
    return v;
  }
  const call = (fn: QuickJSHandle, n: number, text: string): boolean => {
    const a = ffi.QTS_NewFloat64(ctxPtr, n);
    const b = newString(text);
    const argv = mod._malloc(8);
    // Read after the allocations: growing memory replaces the buffer.
    if (u32.buffer !== mod.HEAPU8.buffer) u32 = new Uint32Array(mod.HEAPU8.buffer);
    u32[argv >> 2] = a;
    u32[(argv >> 2) + 1] = b;
    const res = ffi.QTS_Call(ctxPtr, (fn as unknown as { value: number }).value, undef, 2, argv);
    mod._free(argv);
    ffi.QTS_FreeValuePointer(ctxPtr, a);
    ffi.QTS_FreeValuePointer(ctxPtr, b);
    const err = ffi.QTS_ResolveException(ctxPtr, res);
    ffi.QTS_FreeValuePointer(ctxPtr, res);
    if (err) { ffi.QTS_FreeValuePointer(ctxPtr, err); return false; }
    return true;
  };
  return { lean: true, call };
}

export type JobOutcome = { ok: true; jobs: number } | { ok: false; error: QuickJSHandle };

/**
 * Runs up to `max` pending jobs of the runtime that owns `ctx` (its only context). The library's
 * `executePendingJobs` allocates a pointer array and three wrapper objects per call, and reads the
 * out-pointer through a typed array made before the call — stale if the jobs grew the WASM memory.
 * This one keeps one out-slot per runtime and reads it through a view of the memory as it is after
 * the call. Falls back to the library when its internals are not as expected.
 */
export function jobRunner(rt: QuickJSRuntime, ctx: QuickJSContext, lean = leanWanted): (max: number) => JobOutcome {
  const fallback = (max: number): JobOutcome => {
    const r = rt.executePendingJobs(max);
    if (r.error) return { ok: false, error: r.error };
    return { ok: true, jobs: r.value };
  };
  const x = lean ? internals(ctx) : null;
  const f = x?.ffi as (Internals["ffi"] & Record<string, unknown>) | undefined;
  const rtPtr = (rt as unknown as { rt?: { value?: unknown } }).rt?.value;
  const memoryOf = (ctx as unknown as { getMemory?: (rt: number) => { heapValueHandle(p: number): QuickJSHandle } }).getMemory;
  if (!x || !f || typeof f.QTS_ExecutePendingJob !== "function" || typeof f.QTS_Typeof !== "function" || typeof f.QTS_FreeValuePointerRuntime !== "function"
    || typeof f.QTS_GetFloat64 !== "function" || typeof rtPtr !== "number" || typeof memoryOf !== "function") return fallback;
  const ffi = f as Internals["ffi"] & {
    QTS_ExecutePendingJob(rt: number, max: number, out: number): number;
    QTS_Typeof(ctx: number, v: number): number;
    QTS_FreeValuePointerRuntime(rt: number, v: number): void;
    QTS_GetFloat64(ctx: number, v: number): number;
  };
  const mod = x.module;
  const ctxPtr = x.ctx.value;
  const slot = mod._malloc(4);
  let u32 = new Uint32Array(mod.HEAPU8.buffer);
  return (max) => {
    // The C side writes the slot only when a job ran: clear it first.
    if (u32.buffer !== mod.HEAPU8.buffer) u32 = new Uint32Array(mod.HEAPU8.buffer);
    u32[slot >> 2] = 0;
    const value = ffi.QTS_ExecutePendingJob(rtPtr, max, slot);
    if (u32.buffer !== mod.HEAPU8.buffer) u32 = new Uint32Array(mod.HEAPU8.buffer);
    const last = u32[slot >> 2]!;
    if (last === 0) { ffi.QTS_FreeValuePointerRuntime(rtPtr, value); return { ok: true, jobs: 0 }; }
    // One context per runtime: the job ran in ours. Its result is the job count, or what was thrown.
    const t = ffi.QTS_Typeof(last, value);
    const type = mod.UTF8ToString(t);
    mod._free(t);
    if (type === "number" && last === ctxPtr) {
      const n = ffi.QTS_GetFloat64(ctxPtr, value);
      ffi.QTS_FreeValuePointer(ctxPtr, value);
      return { ok: true, jobs: n };
    }
    return { ok: false, error: memoryOf.call(ctx, rtPtr).heapValueHandle(value) };
  };
}
