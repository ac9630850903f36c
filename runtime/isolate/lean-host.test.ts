// The host entry's two paths — the lean FFI crossing and the library's newFunction — behave alike,
// and the lean one is the one in use with the installed quickjs-emscripten.
import { describe, expect, it } from "vitest";
import { newQuickJSWASMModule } from "quickjs-emscripten";
import { installHostEntry, jobRunner } from "./lean-host.js";

const TEXTS = ["fs.read\n{\"path\":\"/mem/a\"}", "log", "", "ünïcødé ✓ 𝄞 \"quotes\" \\ back", "x".repeat(1 << 20)];

describe.each([true, false])("host entry (lean: %s)", (lean) => {
  it("returns a string to the guest as it was made", async () => {
    const mod = await newQuickJSWASMModule();
    const ctx = mod.newRuntime().newContext();
    installHostEntry(ctx, "__host", (t) => "1" + t, lean);
    ctx.setProp(ctx.global, "texts", ctx.newString(JSON.stringify(TEXTS)));
    const r = ctx.evalCode(`JSON.parse(texts).map((t) => __host(t))`);
    expect(ctx.dump(ctx.unwrapResult(r))).toEqual(TEXTS.map((t) => "1" + t));
  });

  it("passes the guest's string in and a number (or nothing) out, and calls back into the guest", async () => {
    const mod = await newQuickJSWASMModule();
    const rt = mod.newRuntime();
    const ctx = rt.newContext();
    const seen: string[] = [];
    const entry = installHostEntry(ctx, "__host", (t) => { seen.push(t); return t === "log" ? undefined : t.length; }, lean);
    expect(entry.lean).toBe(lean);
    ctx.setProp(ctx.global, "texts", ctx.newString(JSON.stringify(TEXTS)));
    const r = ctx.evalCode(`JSON.parse(texts).map((t) => __host(t))`);
    expect(ctx.dump(ctx.unwrapResult(r))).toEqual(TEXTS.map((t) => (t === "log" ? null : t.length)));  // dump shows undefined in an array as null
    expect(seen).toEqual(TEXTS);
    // The other direction: a guest function gets a number and a string.
    const fn = ctx.unwrapResult(ctx.evalCode(`(globalThis.got = [], (n, s) => { got.push([n, s]); })`));
    for (const t of TEXTS) expect(entry.call(fn, 7, t)).toBe(true);
    expect(ctx.dump(ctx.unwrapResult(ctx.evalCode("got")))).toEqual(TEXTS.map((t) => [7, t]));
    // A guest function that throws reports false, and the context goes on.
    const bad = ctx.unwrapResult(ctx.evalCode(`() => { throw new Error("no") }`));
    expect(entry.call(bad, 1, "x")).toBe(false);
    expect(ctx.dump(ctx.unwrapResult(ctx.evalCode("1 + 1")))).toBe(2);
    fn.dispose();
    bad.dispose();
  });
});

describe.each([true, false])("job runner (lean: %s)", (lean) => {
  it("runs at most n jobs and counts them, also when the jobs grow the WASM memory", async () => {
    const mod = await newQuickJSWASMModule();
    const rt = mod.newRuntime();
    const ctx = rt.newContext();
    const run = jobRunner(rt, ctx, lean);
    ctx.unwrapResult(ctx.evalCode(`globalThis.n = 0; for (let i = 0; i < 5; i++) Promise.resolve().then(() => { n++; })`)).dispose();
    expect(run(2)).toEqual({ ok: true, jobs: 2 });
    expect(run(-1)).toEqual({ ok: true, jobs: 3 });
    expect(run(-1)).toEqual({ ok: true, jobs: 0 });
    expect(ctx.dump(ctx.unwrapResult(ctx.evalCode("n")))).toBe(5);
    // Memory grown inside the jobs (the out-slot must be read after the call, not before).
    ctx.unwrapResult(ctx.evalCode(`Promise.resolve().then(() => { globalThis.big = []; for (let i = 0; i < 200000; i++) big.push({ i }); })`)).dispose();
    expect(run(-1)).toEqual({ ok: true, jobs: 1 });
  });
});
