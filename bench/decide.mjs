// Figure: decision speed and flatness. `policy.decide(request)` (request checking and encoding
// included) against Cedar's `statefulIsAuthorized` on the equivalent preparsed policy set, at
// 10, 100, 1k and 10k rules; and ACP at 100 rules against cel-js evaluating one parsed expression.
// The CEL comparison runs in a child process of its own (both engines, alternating, on the same
// request): in this process ACP's request encoder has by then seen four policies and four request
// shapes from the Cedar curve, which makes its property loads polymorphic, while the CEL closure
// is fresh. The in-process figure is reported beside it.
// Usage: node bench/decide.mjs [--json] [--quick]
import * as cedar from "@cedar-policy/cedar-wasm/nodejs";
import { parse as celParse } from "@marcbachmann/cel-js";
import { execFileSync } from "node:child_process";
import { compile } from "../dist/compiler/index.js";
import { loadPolicy } from "../dist/runtime/index.js";
import { acpPolicy, cedarCall, cedarPolicies, celExpression, fmtNs, median, ratioText, report, requests, timeNs, timeNsOwnLoop } from "./lib.mjs";

const QUICK = process.argv.includes("--quick");
const SIZES = QUICK ? [10, 100] : [10, 100, 1000, 10000];
const ROUNDS = QUICK ? 1 : 5;
/** Cedar grows with the policy count (~25 ms a decision at 10k rules): fewer, longer batches there. */
const cedarOpts = (n) => (n >= 10000 ? { repeats: 3, warmup: 1, batchMs: 100 } : n >= 1000 ? { repeats: 5, warmup: 1, batchMs: 60 } : { repeats: QUICK ? 3 : 9, batchMs: 30 });
const acpOpts = { repeats: QUICK ? 3 : 9, batchMs: QUICK ? 5 : 20 };

/** ACP at 100 rules and CEL, alternating rounds on the headline request, nothing else in the process. */
async function celComparison() {
  const r = compile(acpPolicy(100), { filename: "bench100.acp" });
  const policy = await loadPolicy(r.wasm, r.manifest);
  const headline = requests(100)[0].req;
  const cel = celParse(celExpression(100));
  if (policy.decide(headline).effect !== "allow" || cel(headline) !== true || cel({ ...headline, args: { ...headline.args, amount: 1e9 } }) !== false) throw new Error("the CEL expression does not decide like the ACP rule");
  // Each engine gets a timing loop of its own (see timeNsOwnLoop).
  const timeAcp = (f, o) => timeNsOwnLoop(f, o), timeCel = (f, o) => timeNsOwnLoop(f, o);
  const acp = [], celNs = [];
  for (let round = 0; round < Math.max(3, ROUNDS); round++) {
    acp.push(timeAcp(() => policy.decide(headline).effect, acpOpts).ns);
    celNs.push(timeCel(() => cel(headline), acpOpts).ns);
  }
  return { acpNs: median(acp), celNs: median(celNs) };
}

if (process.argv.includes("--cel-child")) {
  process.stdout.write(JSON.stringify(await celComparison()) + "\n");
  process.exit(0);
}

const engines = [];
for (const n of SIZES) {
  const r = compile(acpPolicy(n), { filename: `bench${n}.acp` });
  if (!r.wasm || !r.manifest) throw new Error(`the ${n}-rule policy did not compile: ${r.diagnostics.map((d) => d.message).join("; ")}`);
  const policy = await loadPolicy(r.wasm, r.manifest);
  const setId = `bench${n}`;
  const parsed = cedar.preparsePolicySet(setId, { staticPolicies: cedarPolicies(n) });
  if (parsed.type !== "success") throw new Error(`Cedar could not parse the ${n}-policy set: ${JSON.stringify(parsed.errors)}`);
  const reqs = requests(n);
  const calls = reqs.map((q) => cedarCall(setId, q.req));
  // Equivalence before timing: both engines decide every benchmark request as expected.
  for (let i = 0; i < reqs.length; i++) {
    const a = policy.decide(reqs[i].req).effect;
    const c = cedar.statefulIsAuthorized(calls[i]);
    const ce = c.type === "success" ? c.response.decision : `failure ${JSON.stringify(c.errors)}`;
    if (a !== reqs[i].expect || ce !== reqs[i].expect) throw new Error(`${n} rules, ${reqs[i].name}: ACP ${a}, Cedar ${ce}, expected ${reqs[i].expect}`);
  }
  engines.push({ n, policy, reqs: reqs.map((q) => q.req), calls });
}

// ACP sizes are measured in interleaved rounds so drift on a shared machine hits them alike.
const acpSamples = new Map(SIZES.map((n) => [n, []]));
for (let round = 0; round < ROUNDS; round++) {
  for (const e of engines) acpSamples.get(e.n).push(timeNs((i) => e.policy.decide(e.reqs[i & 3]).effect, acpOpts).ns);
}
const curve = engines.map((e) => {
  const acpNs = median(acpSamples.get(e.n));
  const cedarNs = timeNs((i) => cedar.statefulIsAuthorized(e.calls[i & 3]).type, cedarOpts(e.n)).ns;
  return { rules: e.n, acpNs, cedarNs };
});

// CEL: the one expression of the rule the headline request hits, parsed once, against ACP deciding
// that request with the whole 100-rule policy; alternated so both see the same machine.
const e100 = engines.find((e) => e.n === 100);
const cel = celParse(celExpression(100));
const headline = e100.reqs[0];
if (cel(headline) !== true || cel({ ...headline, args: { ...headline.args, amount: 1e9 } }) !== false) throw new Error("the CEL expression does not decide like the ACP rule");
const acpCel = [], celNs = [];
for (let round = 0; round < Math.max(3, ROUNDS); round++) {
  acpCel.push(timeNs(() => e100.policy.decide(headline).effect, acpOpts).ns);
  celNs.push(timeNs(() => cel(headline), acpOpts).ns);
}
const acpVsCel = median(acpCel), celMedian = median(celNs);

const at = (n) => curve.find((c) => c.rules === n);
const rows = [];
for (const c of curve) {
  const target = c.rules === 10 ? 100 : c.rules === 1000 ? 1000 : null;
  const ratio = c.cedarNs / c.acpNs;
  rows.push({
    figure: `decide, ${c.rules} rules vs Cedar`, acp: fmtNs(c.acpNs), peer: fmtNs(c.cedarNs), ratio: ratioText(ratio),
    target: target ? `≥ ${target}× faster` : "(curve)", met: target ? ratio >= target : null,
  });
}
// Three fresh processes; each gives one ratio measured inside it, and the row shows the median run.
const celRuns = [];
for (let i = 0; i < (QUICK ? 1 : 3); i++) celRuns.push(JSON.parse(execFileSync(process.execPath, [new URL(import.meta.url).pathname, "--cel-child", ...(QUICK ? ["--quick"] : [])], { encoding: "utf8" }).trim().split("\n").at(-1)));
celRuns.sort((a, b) => a.celNs / a.acpNs - b.celNs / b.acpNs);
const child = celRuns[celRuns.length >> 1];
rows.push({
  figure: "decide, 100 rules vs CEL (1 expr)", acp: fmtNs(child.acpNs), peer: fmtNs(child.celNs), ratio: ratioText(child.celNs / child.acpNs),
  target: "no slower (≥ 1×)", met: child.acpNs <= child.celNs,
});
rows.push({
  figure: "decide, 100 rules vs CEL, after the Cedar curve in one process", acp: fmtNs(acpVsCel), peer: fmtNs(celMedian), ratio: ratioText(celMedian / acpVsCel),
  target: "(reported)", met: null,
});
const last = SIZES.at(-1);
const flat = at(last).acpNs / at(10).acpNs;
rows.push({
  figure: `flatness, ${last} / 10 rules`, acp: ratioText(flat), peer: ratioText(at(last).cedarNs / at(10).cedarNs), ratio: "—",
  target: "ACP ≤ 1.5×", met: last === 10000 ? flat <= 1.5 : null,
});

report({
  figure: "decide",
  command: "node bench/decide.mjs",
  rows,
  curve,
  notes: [
    "Each decision cycles over 4 requests (tool allow/deny, fs.read allow/deny) hitting one unit of 4 rules; both engines must agree on all 4 before timing.",
    `ACP: median of ${ROUNDS} interleaved rounds, each a median over batches; CEL rows: the headline tool request only, ACP and CEL alternating; the first CEL row is the median of three fresh processes (node bench/decide.mjs --cel-child), each engine with a timing loop of its own; the second in this process after the Cedar curve.`,
    `CEL runs (ACP / CEL): ${celRuns.map((r) => `${fmtNs(r.acpNs)} / ${fmtNs(r.celNs)}`).join(", ")}.`,
  ],
});
