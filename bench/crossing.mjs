// Figure: syscall crossing. A full mediated `sys.fs.read` round trip — guest → bootstrap → host
// function → gate (translate, policy decision, rate limits) → flight recorder (memory: one record,
// sealed in batches) → VFS → reply in the guest's own call → guest continuation — against a bare
// quickjs-emscripten `newFunction` call (guest → host → guest, returning nothing) in the same run.
// Rows beside it: the same with the seals computed inline instead of on the sealer thread, 64 reads
// in flight, the guest's own side alone (the real bootstrap and host entry, the host answering at
// once: the kernel's share is the difference), and a file recorder's throughput in reads per second
// (group commit, every read acknowledged only once its batch is sealed and fsynced).
//
// The machines this runs on are shared and noisy: each row runs in a process of its own with the
// bare call beside it, timed in interleaved rounds (bare, mediated, bare, …), and its ratio is the
// median of the per-round ratios.
// Usage: node bench/crossing.mjs [--json] [--quick]
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";
import { newQuickJSWASMModule } from "quickjs-emscripten";
import { compile } from "../dist/compiler/index.js";
import { Kernel, loadPolicy } from "../dist/runtime/index.js";
import { BOOTSTRAP } from "../dist/runtime/isolate/bootstrap.js";
import { engineOf, Vm } from "../dist/runtime/isolate/vm.js";
import { median, fmtNs, ratioText, report } from "./lib.mjs";

const QUICK = process.argv.includes("--quick");
const ROUNDS = QUICK ? 3 : 15;
const N = QUICK ? 2_000 : 20_000;

/** ns per call of `run(n)` (which makes n calls and returns ms): the difference between runs of 2n
 * and n calls, so fixed costs (parsing, spawning, settling) cancel. */
async function perCallNs(run, n) {
  return ((await run(2 * n)) - (await run(n))) * 1e6 / n;
}

/** A guest loop calling a bare host function n times. */
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
  return { run, close: () => { ctx.dispose(); rt.dispose(); } };
}

/**
 * Sequential `await sys.fs.read` with no kernel behind it: the real bootstrap and host entry in a
 * bare context, the host answering every call at once with the same result. What the guest's own
 * side of a syscall costs (its promise, the crossing, the result's JSON), whatever the kernel does.
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
  run(N);
  return { run, close: () => undefined };
}

const POLICY = `policy bench { allow fs.read "/mem/**" }`;
const SEQUENTIAL = `export default async function main(n) { for (let i = 0; i < n; i++) await sys.fs.read("/mem/working/x.txt"); }`;
const CONCURRENT = `export default async function main(n) { for (let i = 0; i < n; i += 64) { const b = []; for (let j = 0; j < 64; j++) b.push(sys.fs.read("/mem/working/x.txt")); await Promise.all(b); } }`;

/** Reads through a kernel: `run(n)` makes n of them in one agent and returns ms. */
async function mediatedRead(source, recorder) {
  const c = compile(POLICY, { filename: "bench.acp" });
  const kernel = await Kernel.create({ policy: await loadPolicy(c.wasm, c.manifest), recorder, limits: { maxSyscalls: 1e9, totalTicks: 1e9 } });
  await kernel.vfs.write("/mem/working/x.txt", "hello");
  const run = async (n) => {
    const t0 = performance.now();
    const exit = await kernel.run({ name: "reader", source, input: n });
    if (exit.status !== "exited") throw new Error(`reader ${exit.status}: ${JSON.stringify(exit.error)}`);
    return performance.now() - t0;
  };
  await run(N); // warm-up at full size
  return { run, kernel, close: () => kernel.shutdown() };
}

/** One configuration against the bare call, interleaved, in a process of its own: several kernels
 * in one process share the JIT's feedback, and each slows the others' paths. */
async function child(config) {
  const bare = await bareNewFunction();
  const other = config === "guest" ? await guestSideOnly()
    : await mediatedRead(config === "batch" ? CONCURRENT : SEQUENTIAL, config === "inline" ? { memory: true, sealer: "inline" } : { memory: true });
  const n = config === "guest" || config === "batch" ? N : N / 2;
  const bareNs = [], ns = [], ratio = [];
  for (let r = 0; r < ROUNDS; r++) {
    const b = await perCallNs(bare.run, N);
    const x = await perCallNs(other.run, n);
    const b2 = await perCallNs(bare.run, N);
    bareNs.push(b, b2);
    ns.push(x);
    ratio.push(x / ((b + b2) / 2));
  }
  await other.close();
  bare.close();
  return { bareNs: median(bareNs), ns: median(ns), ratio: median(ratio), ratios: ratio };
}

const childArg = process.argv.find((a) => a.startsWith("--child="));
if (childArg) {
  process.stdout.write(JSON.stringify(await child(childArg.slice("--child=".length))) + "\n");
  process.exit(0);
}

const runChild = (config) => {
  const out = execFileSync(process.execPath, [fileURLToPath(import.meta.url), `--child=${config}`, ...(QUICK ? ["--quick"] : [])], { encoding: "utf8", maxBuffer: 1 << 24 });
  return JSON.parse(out.trim().split("\n").at(-1));
};
const seq = runChild("seq"), inline = runChild("inline"), batch = runChild("batch"), guest = runChild("guest");

// A file recorder: every read's record is acknowledged once its group commit is sealed and fsynced.
const dir = mkdtempSync(join(tmpdir(), "acp-crossing-"));
const FILE_READS = QUICK ? 2_000 : 20_000;
let fileReadsPerSec;
try {
  const file = await mediatedRead(CONCURRENT, { path: join(dir, "flight.log") });
  const rates = [];
  for (let r = 0; r < (QUICK ? 1 : 3); r++) rates.push(FILE_READS / ((await file.run(FILE_READS)) / 1000));
  await file.close();
  fileReadsPerSec = median(rates);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

report({
  figure: "crossing",
  command: "node bench/crossing.mjs",
  rows: [
    { figure: "syscall round trip (sequential await sys.fs.read, memory recorder)", acp: fmtNs(seq.ns), peer: `${fmtNs(seq.bareNs)} bare newFunction`, ratio: ratioText(seq.ratio), target: "≤ 2×", met: seq.ratio <= 2 },
    { figure: "the same, seals computed inline (no sealer thread)", acp: fmtNs(inline.ns), peer: `${fmtNs(inline.bareNs)} bare newFunction`, ratio: ratioText(inline.ratio), target: "(reported)", met: null },
    { figure: "syscall round trip (64 in flight)", acp: fmtNs(batch.ns), peer: `${fmtNs(batch.bareNs)} bare newFunction`, ratio: ratioText(batch.ratio), target: "(reported)", met: null },
    { figure: "guest side alone (host answers at once)", acp: fmtNs(guest.ns), peer: `${fmtNs(guest.bareNs)} bare newFunction`, ratio: ratioText(guest.ratio), target: "(reported)", met: null },
    { figure: "reads through a file recorder (64 in flight, group commit, fsync)", acp: `${Math.round(fileReadsPerSec).toLocaleString("en-US")} reads/s`, peer: "—", ratio: "—", target: "(reported)", met: null },
  ],
  notes: [
    `each row in a process of its own, against the bare call in that process: the median over ${ROUNDS} rounds of the round's time ÷ the mean of the bare times measured just before and after it`,
    `the kernel's side of a read (translate, decide, one record, VFS, the answer) is about the difference from the guest side alone: ${fmtNs(seq.ns * (guest.bareNs / seq.bareNs) - guest.ns)} (bare-normalised)`,
  ],
  raw: { bareNs: seq.bareNs, guestSideNs: guest.ns, sequentialNs: seq.ns, inlineSealerNs: inline.ns, concurrentNs: batch.ns, ratio: seq.ratio, inlineRatio: inline.ratio, ratios: seq.ratios, fileReadsPerSec },
});
