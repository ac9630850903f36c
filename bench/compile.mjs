// Figure: compile time. `compile(source)` of the benchmark policy at 1,000 and 10,000 rules
// (parse, check, verify, plan, codegen, binaryen optimize, manifest), median over runs in one
// process after a warm-up compile; Cedar's preparsePolicySet of the equivalent set alongside (it
// only parses, so the ratio is context, not a target). A phase breakdown explains the figure.
// Usage: node bench/compile.mjs [--json] [--quick]
import * as cedar from "@cedar-policy/cedar-wasm/nodejs";
import { performance } from "node:perf_hooks";
import { compile, checkSource } from "../dist/compiler/index.js";
import { plan } from "../dist/compiler/planner.js";
import { emitModule } from "../dist/compiler/codegen/emit.js";
import { verifyAsserts } from "../dist/compiler/analyses/asserts.js";
import { acpPolicy, cedarPolicies, fmtNs, ratioText, report, timeMs } from "./lib.mjs";

const QUICK = process.argv.includes("--quick");
const CASES = QUICK ? [{ n: 1000, limitMs: 1000, runs: 1 }] : [{ n: 1000, limitMs: 1000, runs: 5 }, { n: 10000, limitMs: 10000, runs: 3 }];

compile(acpPolicy(10)); // warm-up: binaryen's first load and JIT are not the compiler's cost

const rows = [];
const phases = {};
let setNo = 0;
for (const { n, limitMs, runs } of CASES) {
  const src = acpPolicy(n);
  const acp = timeMs(() => compile(src, { filename: `bench${n}.acp` }), runs);
  if (!acp.last.wasm) throw new Error(`the ${n}-rule policy did not compile`);
  const text = cedarPolicies(n);
  const ced = timeMs(() => cedar.preparsePolicySet(`compile${n}-${setNo++}`, { staticPolicies: text }), runs);
  if (ced.last.type !== "success") throw new Error("Cedar could not parse the set");
  rows.push({
    figure: `compile, ${n} rules`, acp: fmtNs(acp.ms * 1e6), peer: `${fmtNs(ced.ms * 1e6)} (Cedar parse)`,
    ratio: ratioText(acp.ms / ced.ms), target: `≤ ${limitMs / 1000} s`, met: acp.ms <= limitMs,
  });
  phases[n] = breakdown(src);
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
  notes: Object.entries(phases).map(([n, p]) =>
    `${n} rules, one run by phase: parse+check ${p.parseCheckMs} ms, asserts ${p.verifyMs} ms, plan ${p.planMs} ms, codegen ${p.emitMs} ms (${p.emitOptimizedMs} ms with binaryen -O2)`),
});
