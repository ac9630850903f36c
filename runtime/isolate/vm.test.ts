// The Vm drives QuickJS through the library's FFI with raw value boxes: strings cross intact both
// ways, jobs and interrupts behave as the kernel relies on, and no box or value is left behind.
import { describe, expect, it } from "vitest";
import { newQuickJSWASMModule, type QuickJSWASMModule } from "quickjs-emscripten";
import { engineOf, Vm, type Evaluated, type Ptr, type VmHost } from "./vm.js";

const TEXTS = ["fs.read\n{\"path\":\"/mem/a\"}", "log", "", "ünïcødé ✓ 𝄞 \"quotes\" \\ back", "x".repeat(1 << 20)];

async function vmWith(host: Partial<VmHost> = {}): Promise<{ vm: Vm; module: QuickJSWASMModule }> {
  const module = await newQuickJSWASMModule();
  const vm = new Vm(engineOf(module), "__host");
  vm.host = { onInterrupt: () => false, fromGuest: () => undefined, ...host };
  return { vm, module };
}

/** The value of a successful eval or call, as the host sees it (the box is freed). */
function value(vm: Vm, r: Evaluated): unknown {
  if (!r.ok) { const e = vm.dump(r.error); vm.free(r.error); throw new Error(`guest threw ${JSON.stringify(e)}`); }
  const v = vm.dump(r.value);
  vm.free(r.value);
  return v;
}

function error(vm: Vm, r: Evaluated): { name?: string; message?: string } {
  expect(r.ok).toBe(false);
  const e = vm.dump((r as { error: Ptr }).error) as { name?: string; message?: string };
  vm.free((r as { error: Ptr }).error);
  return e;
}

describe("Vm", () => {
  it("passes the guest's string to the host entry and its number, string or nothing back", async () => {
    const seen: string[] = [];
    const { vm } = await vmWith({ fromGuest: (t) => { seen.push(t); return t === "log" ? undefined : t.startsWith("x") ? t.length : "1" + t; } });
    const texts = vm.newString(JSON.stringify(TEXTS));
    const fn = vm.evalScript(`(texts) => JSON.parse(texts).map((t) => { const r = __host(t); return r === undefined ? "none" : r; })`, "b.js");
    expect(fn.ok).toBe(true);
    const got = value(vm, vm.call((fn as { value: Ptr }).value, texts));
    expect(got).toEqual(TEXTS.map((t) => (t === "log" ? "none" : t.startsWith("x") ? t.length : "1" + t)));
    expect(seen).toEqual(TEXTS);
    vm.free(texts);
    vm.free((fn as { value: Ptr }).value);
  });

  it("calls a guest function with a number and a string; a throw is false and the context goes on", async () => {
    const { vm } = await vmWith();
    const fn = vm.evalScript(`globalThis.got = []; (n, s) => { got.push([n, s]); }`, "a.js") as { ok: true; value: Ptr };
    for (const t of TEXTS) expect(vm.callWith(fn.value, 7, t)).toBe(true);
    expect(value(vm, vm.evalScript("got", "b.js"))).toEqual(TEXTS.map((t) => [7, t]));
    const bad = vm.evalScript(`() => { throw new RangeError("no") }`, "c.js") as { ok: true; value: Ptr };
    expect(vm.callWith(bad.value, 1, "x")).toBe(false);
    expect(error(vm, vm.call(bad.value))).toMatchObject({ name: "RangeError", message: "no" });
    expect(value(vm, vm.evalScript("1 + 1", "d.js"))).toBe(2);
    vm.free(fn.value);
    vm.free(bad.value);
  });

  it("runs at most n jobs and counts them, also when the jobs grow the WASM memory", async () => {
    const { vm, module } = await vmWith();
    value(vm, vm.evalScript(`globalThis.n = 0; for (let i = 0; i < 5; i++) Promise.resolve().then(() => { n++; })`, "a.js"));
    expect(vm.hasPendingJob()).toBe(true);
    expect(vm.runJobs(2)).toEqual({ ok: true, jobs: 2 });
    expect(vm.runJobs(-1)).toEqual({ ok: true, jobs: 3 });
    expect(vm.runJobs(-1)).toEqual({ ok: true, jobs: 0 });
    expect(vm.hasPendingJob()).toBe(false);
    expect(value(vm, vm.evalScript("n", "b.js"))).toBe(5);
    // Memory grown inside the jobs: the out-slot must be read through the grown memory.
    const before = module.getWasmMemory().buffer.byteLength;
    value(vm, vm.evalScript(`Promise.resolve().then(() => { globalThis.big = []; for (let i = 0; i < 400000; i++) big.push({ i }); })`, "c.js"));
    expect(vm.runJobs(-1)).toEqual({ ok: true, jobs: 1 });
    expect(module.getWasmMemory().buffer.byteLength).toBeGreaterThan(before);
    // A throw inside a `then` callback rejects that callback's promise: the job itself ran.
    value(vm, vm.evalScript(`Promise.resolve().then(() => { throw new TypeError("in a job"); })`, "d.js"));
    expect(vm.runJobs(-1)).toEqual({ ok: true, jobs: 1 });
  });

  it("evaluates a module: its namespace, a promise of it under top-level await, its rejection", async () => {
    const { vm } = await vmWith();
    const plain = vm.evalModule(`export default function main() { return 1; }`, "a.js") as { ok: true; value: Ptr };
    expect(plain.ok).toBe(true);
    expect(vm.promiseState(plain.value) === "not a promise" || vm.promiseState(plain.value) === "fulfilled").toBe(true);
    vm.free(plain.value);
    const waiting = vm.evalModule(`await Promise.resolve(); export const x = 1;`, "b.js") as { ok: true; value: Ptr };
    expect(vm.promiseState(waiting.value)).toBe("pending");
    vm.runJobs(-1);
    expect(vm.promiseState(waiting.value)).toBe("fulfilled");
    const ns = vm.promiseResult(waiting.value);
    expect(value(vm, { ok: true, value: vm.getProp(ns, "x") })).toBe(1);
    vm.free(ns);
    vm.free(waiting.value);
    expect(error(vm, vm.evalModule(`export default {`, "c.js"))).toMatchObject({ name: "SyntaxError" });
    const failing = vm.evalModule(`await null; throw new Error("late");`, "d.js") as { ok: true; value: Ptr };
    vm.runJobs(-1);
    expect(vm.promiseState(failing.value)).toBe("rejected");
    const reason = vm.promiseResult(failing.value);
    expect(vm.dump(reason)).toMatchObject({ message: "late" });
    vm.free(reason);
    vm.free(failing.value);
  });

  it("stops guest code when the host says so, and after end() stops it always and answers nothing", async () => {
    let asked = 0;
    const { vm } = await vmWith({ onInterrupt: () => ++asked >= 3, fromGuest: () => 5 });
    expect(error(vm, vm.evalScript(`for (;;) {}`, "a.js")).message).toBe("interrupted");
    expect(asked).toBe(3);
    expect(value(vm, vm.evalScript(`__host("x")`, "b.js"))).toBe(5);
    vm.end();
    expect(vm.host).toBe(null);
    expect(error(vm, vm.evalScript(`for (;;) {}`, "c.js")).message).toBe("interrupted");
    // A runtime ended mid-call: its entry answers nothing, not the old host's value.
    expect(value(vm, vm.evalScript(`typeof __host("x")`, "d.js"))).toBe("undefined");
  });

  it("leaves no value box or guest value behind over many calls", async () => {
    const { vm, module } = await vmWith({ fromGuest: (t) => t });
    const fn = vm.evalScript(`(n, s) => __host(s + n)`, "a.js") as { ok: true; value: Ptr };
    const round = (n: number) => {
      for (let i = 0; i < n; i++) {
        expect(vm.callWith(fn.value, i, "text")).toBe(true);
        vm.free(vm.getProp(fn.value, "length"));
        vm.free(vm.newString("a string"));
      }
    };
    round(1000);
    const used = vm.memoryUsed()!;
    // Where the allocator's free space starts: a large block comes from there. Boxes left behind
    // (plain mallocs QuickJS does not count) would move it up by ~16 bytes each.
    const em = engineOf(module).em;
    const top = () => { const p = em._malloc(8 << 20); em._free(p); return p; };
    const start = top();
    round(100_000);
    expect(top() - start).toBeLessThan(64 * 1024);
    expect(vm.memoryUsed()!).toBeLessThanOrEqual(used + 1024);
    vm.free(fn.value);
  });

  it("holds a runtime to its heap limit in bytes, which QuickJS alone counts as 8 bytes an allocation", async () => {
    const { vm, module } = await vmWith();
    const limit = 16 << 20;
    vm.setLimits(limit, 64 << 10);
    const size = () => module.getWasmMemory().buffer.byteLength;
    const before = size();
    // Buffers and strings (a concatenation is a rope, which QuickJS's own walk does not count).
    const kept = value(vm, vm.evalScript(`globalThis.keep = []; for (let i = 0; i < 100; i++) { try { keep.push(i % 2 ? new Uint8Array(4 << 20) : "x".repeat(4 << 20) + i); } catch (e) {} } keep.length`, "hog.js")) as number;
    expect(kept).toBeGreaterThanOrEqual(2);
    expect(kept).toBeLessThanOrEqual(12);
    expect(size() - before).toBeLessThanOrEqual(2 * limit + before / 5);
    // A neighbour in the same instance still gets its whole limit.
    const other = new Vm(engineOf(module), "__host");
    other.setLimits(limit, 64 << 10);
    expect(value(other, other.evalScript(`const mine = []; for (let i = 0; i < 12; i++) mine.push(new Uint8Array(1 << 20)); mine.length`, "neighbour.js"))).toBe(12);
    // Freed and measured again (a few ticks of work), the hog has its limit back.
    expect(value(vm, vm.evalScript(`keep = null; let n = 0; for (let i = 0; i < 3e6; i++) n += i; new Uint8Array(8 << 20).length`, "after.js"))).toBe(8 << 20);
  });

  it("keeps a whole instance under its cap, with a clean out-of-memory in the guest and the instance going on", async () => {
    const module = await newQuickJSWASMModule();
    const cap = 64 << 20;
    const vm = new Vm(engineOf(module, cap), "__host");
    vm.host = { onInterrupt: () => false, fromGuest: () => undefined };
    // No heap limit of its own: only the cap stops it.
    const r = vm.evalScript(`globalThis.keep = []; let refused = 0; for (let i = 0; i < 40; i++) { try { keep.push(new Uint8Array(4 << 20)); } catch (e) { refused++; } } [keep.length, refused]`, "a.js");
    const [kept, refused] = value(vm, r) as [number, number];
    expect(kept + refused).toBe(40);
    expect(refused).toBeGreaterThan(20);
    expect(module.getWasmMemory().buffer.byteLength).toBeLessThanOrEqual(cap);
    // The last sixteenth is the kernel's: an answer it makes in the full instance still fits.
    const answer = vm.newString("y".repeat(2 << 20));
    expect(answer).not.toBe(0);
    expect(vm.typeOf(answer)).toBe("string");
    vm.free(answer);
    expect(value(vm, vm.evalScript(`keep = null; [1, 2, 3].map((x) => x * 2).join()`, "b.js"))).toBe("2,4,6");
  });

  it("ends a call with an error, not a read through address 0, when the FFI could not allocate a value box", async () => {
    const { vm, module } = await vmWith();
    const e = engineOf(module);
    // The FFI returns 0 for a box it could not malloc; here every new string is one.
    const starved = { ...e, ffi: { ...e.ffi, QTS_NewString: () => 0 } };
    expect(() => new Vm(starved, "__host")).toThrow(/no memory left for a value/);
    // The Vm made before goes on.
    expect(value(vm, vm.evalScript(`"still" + " here"`, "a.js"))).toBe("still here");
  });

  it("refuses a library whose internals it does not know, saying what is missing", async () => {
    const module = await newQuickJSWASMModule();
    const moved = Object.create(module, { callbacks: { value: undefined }, module: { value: undefined } }) as QuickJSWASMModule;
    expect(() => engineOf(moved)).toThrow(/missing: the emscripten module, the callback registry/);
    expect(engineOf(module)).toBe(engineOf(module));
  });
});
