// Figure: syscall crossing. A full mediated `sys.fs.read` round trip — guest → bootstrap → host
// function → gate (translate, policy decision, rate limits) → flight recorder (memory, hashed) →
// VFS → completion record → reply → scheduler → guest continuation — against a bare
// quickjs-emscripten `newFunction` call (guest → host → guest, returning nothing) in the same run.
// A third row times the guest's own side alone (the real bootstrap and host entry, the host
// answering at once), so the kernel's share is the difference.
// Usage: node bench/crossing.mjs [--json] [--quick]
import { performance } from "node:perf_hooks";
import { newQuickJSWASMModule } from "quickjs-emscripten";
import { compile } from "../dist/compiler/index.js";
import { Kernel, loadPolicy } from "../dist/runtime/index.js";
import { BOOTSTRAP } from "../dist/runtime/isolate/bootstrap.js";
import { engineOf, Vm } from "../dist/runtime/isolate/vm.js";
import { median, fmtNs, ratioText, report } from "./lib.mjs";

const QUICK = process.argv.includes("--quick");
const ROUNDS = QUICK ? 3 : 9;
const N = QUICK ? 2_000 : 20_000;

/** ns per call of `run(n)` (which makes n calls and returns ms): the difference between runs of 2n
 * and n calls, so fixed costs (parsing, spawning, settling) cancel; median over ROUNDS, after a warm-up. */
async function perCallNs(run, n) {
  await run(n);
  const samples = [];
  for (let r = 0; r < ROUNDS; r++) samples.push(((await run(2 * n)) - (await run(n))) * 1e6 / n);
  return median(samples);
}

/** ns per call of a guest loop calling a bare host function N times (fixed costs subtracted). */
async function bareNewFunction() {
  const mod = await newQuickJSWASMModule();
  const rt = mod.newRuntime();
  const ctx = rt.newContext();
  const f = ctx.newFunction("f", () => undefined);
  ctx.setProp(ctx.global, "f", f);
  f.dispose();
  const run = (n) => {
    const t0 = performance.now();
    const r = ctx.evalCode(`(() => { for (let i = 0; i < ${n}; i++) f(i); })()`);
    const ms = performance.now() - t0;
    ctx.unwrapResult(r).dispose();
    return ms;
  };
  run(20_000); // the library's call path takes longer to warm up than N calls in a --quick run
  const ns = await perCallNs(run, N);
  ctx.dispose();
  rt.dispose();
  return ns;
}

/**
 * ns per sequential `await sys.fs.read` with no kernel behind it: the real bootstrap and host entry
 * in a bare context, the host answering every call at once with the same result. What the guest's
 * own side of a syscall costs (its promise, the crossing, the result's JSON), whatever the kernel does.
 */
async function guestSideOnly() {
  const vm = new Vm(engineOf(await newQuickJSWASMModule()), "__acp_host");
  vm.host = { onInterrupt: () => false, fromGuest: () => '"hello"' };
  const ok = (r) => { if (!r.ok) throw new Error(JSON.stringify(vm.dump(r.error))); vm.free(r.value); };
  ok(vm.evalScript(BOOTSTRAP, "acp:bootstrap"));
  const run = (n) => {
    const t0 = performance.now();
    ok(vm.evalScript(`(async () => { for (let i = 0; i < ${n}; i++) await sys.fs.read("/mem/working/x.txt"); })()`, "loop.js"));
    for (;;) { const r = vm.runJobs(256); if (!r.ok) throw new Error(JSON.stringify(vm.dump(r.error))); if (r.jobs === 0) break; }
    return performance.now() - t0;
  };
  return perCallNs(run, N);
}

/** ns per sequential `await sys.fs.read` round trip through the kernel (fixed costs subtracted). */
async function mediatedRead(concurrent) {
  const c = compile(`policy bench { allow fs.read "/mem/**" }`, { filename: "bench.acp" });
  const kernel = await Kernel.create({ policy: await loadPolicy(c.wasm, c.manifest), recorder: { memory: true }, limits: { maxSyscalls: 1e9, totalTicks: 1e9 } });
  await kernel.vfs.write("/mem/working/x.txt", "hello");
  const source = concurrent
    ? `export default async function main(n) { for (let i = 0; i < n; i += 64) { const b = []; for (let j = 0; j < 64; j++) b.push(sys.fs.read("/mem/working/x.txt")); await Promise.all(b); } }`
    : `export default async function main(n) { for (let i = 0; i < n; i++) await sys.fs.read("/mem/working/x.txt"); }`;
  const run = async (n) => {
    const t0 = performance.now();
    const exit = await kernel.run({ name: "reader", source, input: n });
    if (exit.status !== "exited") throw new Error(`reader ${exit.status}: ${JSON.stringify(exit.error)}`);
    return performance.now() - t0;
  };
  await run(N); // warm-up at full size
  const ns = await perCallNs(run, concurrent ? N : N / 2);
  await kernel.shutdown();
  return ns;
}

const bare = await bareNewFunction();
const guest = await guestSideOnly();
const seq = await mediatedRead(false);
const batch = await mediatedRead(true);
report({
  figure: "crossing",
  command: "node bench/crossing.mjs",
  rows: [
    { figure: "syscall round trip (sequential await sys.fs.read)", acp: fmtNs(seq), peer: `${fmtNs(bare)} bare newFunction`, ratio: ratioText(seq / bare), target: "≤ 2×", met: seq / bare <= 2 },
    { figure: "syscall round trip (64 in flight)", acp: fmtNs(batch), peer: `${fmtNs(bare)} bare newFunction`, ratio: ratioText(batch / bare), target: "(reported)", met: null },
    { figure: "guest side alone (host answers at once)", acp: fmtNs(guest), peer: `${fmtNs(bare)} bare newFunction`, ratio: ratioText(guest / bare), target: "(reported)", met: null },
  ],
  notes: [`the kernel's side of a read (gate, policy, two hashed records, VFS, scheduling) is the difference: ${fmtNs(seq - guest)}`],
  raw: { bareNs: bare, guestSideNs: guest, sequentialNs: seq, concurrentNs: batch },
});
