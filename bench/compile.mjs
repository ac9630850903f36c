// Figure: compile time. `compile(source)` (parse, check, verify, plan, codegen, binaryen optimize,
// manifest) of the per-tool policy (every rule on its own tool, each tool with its own argument
// type) at 1,000 and 10,000 rules, and of the benchmark policy (⌈N/4⌉ tools sharing one type) for
// continuity; median over runs in one process after a warm-up compile. Cedar's preparsePolicySet
// of the equivalent set alongside (it only parses, so the ratio is context, not a target). A phase
// breakdown explains the figure.
// Usage: node bench/compile.mjs [--json] [--quick]
import * as cedar from "@cedar-policy/cedar-wasm/nodejs";
import { performance } from "node:perf_hooks";
import { compile, checkSource } from "../dist/compiler/index.js";
import { plan } from "../dist/compiler/planner.js";
import { emitModule } from "../dist/compiler/codegen/emit.js";
import { verifyAsserts } from "../dist/compiler/analyses/asserts.js";
import { acpPolicy, cedarPerToolPolicies, cedarPolicies, fmtNs, perToolPolicy, ratioText, report, timeMs } from "./lib.mjs";

const QUICK = process.argv.includes("--quick");
const PER_TOOL = { name: "per-tool", acp: perToolPolicy, cedar: cedarPerToolPolicies };
const BENCH = { name: "benchmark policy", acp: acpPolicy, cedar: cedarPolicies };
const CASES = QUICK
  ? [{ shape: PER_TOOL, n: 1000, limitMs: 500, runs: 1 }]
  : [
      { shape: PER_TOOL, n: 1000, limitMs: 500, runs: 5 },
      { shape: PER_TOOL, n: 10000, limitMs: 5000, runs: 3 },
      { shape: BENCH, n: 1000, limitMs: null, runs: 3 },
      { shape: BENCH, n: 10000, limitMs: null, runs: 3 },
    ];

// Warm-up: binaryen's first load and the JIT are not the compiler's cost. A 10-rule policy left most
// of the compiler unoptimized for the first 1,000-rule runs (2-3 s, then ~0.4 s): both shapes, at
// 200 rules and once at 1,000.
for (const n of [200, 200, 1000]) { compile(acpPolicy(n)); compile(perToolPolicy(n)); }

const rows = [];
const phases = [];
let setNo = 0;
for (const { shape, n, limitMs, runs } of CASES) {
  const src = shape.acp(n);
  const acp = timeMs(() => compile(src, { filename: `bench${n}.acp` }), runs);
  if (!acp.last.wasm) throw new Error(`the ${n}-rule ${shape.name} did not compile`);
  const text = shape.cedar(n);
  const ced = timeMs(() => cedar.preparsePolicySet(`compile${n}-${setNo++}`, { staticPolicies: text }), runs);
  if (ced.last.type !== "success") throw new Error("Cedar could not parse the set");
  rows.push({
    figure: `compile, ${n} rules, ${shape.name}`, acp: fmtNs(acp.ms * 1e6), peer: `${fmtNs(ced.ms * 1e6)} (Cedar parse)`,
    ratio: ratioText(acp.ms / ced.ms), target: limitMs ? `≤ ${limitMs / 1000} s` : "(reported)", met: limitMs ? acp.ms <= limitMs : null,
  });
  phases.push({ shape: shape.name, n, runsMs: acp.samples.map((x) => Math.round(x)), ...breakdown(src) });
}

function breakdown(src) {
  const t = [performance.now()];
  const { checked } = checkSource(src);
  t.push(performance.now());
  verifyAsserts(checked);
  t.push(performance.now());
  const p = plan(checked);
  t.push(performance.now());
  emitModule(checked, p, { optimize: false });
  t.push(performance.now());
  emitModule(checked, p, { optimize: true });
  t.push(performance.now());
  const ms = (i) => Math.round(t[i + 1] - t[i]);
  return { parseCheckMs: ms(0), verifyMs: ms(1), planMs: ms(2), emitMs: ms(3), emitOptimizedMs: ms(4) };
}

report({
  figure: "compile",
  command: "node bench/compile.mjs",
  rows,
  phases,
  notes: phases.map((p) =>
    `${p.n} rules, ${p.shape}: runs ${p.runsMs.join(", ")} ms; one run by phase: parse+check ${p.parseCheckMs} ms, asserts ${p.verifyMs} ms, plan ${p.planMs} ms, codegen ${p.emitMs} ms (${p.emitOptimizedMs} ms with binaryen -O1)`),
});
