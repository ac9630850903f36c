// Figure: decision speed and flatness. `policy.decide(request)` (request checking and encoding
// included) against Cedar's `statefulIsAuthorized` on the equivalent preparsed policy set, at
// 10, 100, 1k and 10k rules; ACP at 100 rules deciding 1,024 different requests in rotation against
// cel-js evaluating one parsed two-clause expression over 1,024 different contexts; and flatness
// with every rule on its own tool and type. The CEL comparison and the flatness curve each run in
// a child process of their own: in this process ACP's request encoder has by then seen four
// policies and four request shapes from the Cedar curve, which makes its property loads
// polymorphic, while the CEL closure is fresh. The in-process figure is reported beside it.
// Usage: node bench/decide.mjs [--json] [--quick]
import * as cedar from "@cedar-policy/cedar-wasm/nodejs";
import { parse as celParse } from "@marcbachmann/cel-js";
import { execFileSync } from "node:child_process";
import { compile } from "../dist/compiler/index.js";
import { loadPolicy } from "../dist/runtime/index.js";
import { acpPolicy, CEL_ROTATION, cedarCall, cedarPolicies, celContexts, celExpression, celRotationExpect, fmtNs, median, perToolPolicy, perToolRequests, ratioText, report, requests, rotationRequests, timeNs, timeNsOwnLoop } from "./lib.mjs";

const QUICK = process.argv.includes("--quick");
const SIZES = QUICK ? [10, 100] : [10, 100, 1000, 10000];
const ROUNDS = QUICK ? 1 : 5;
/** Cedar grows with the policy count (~25 ms a decision at 10k rules): fewer, longer batches there. */
const cedarOpts = (n) => (n >= 10000 ? { repeats: 3, warmup: 1, batchMs: 100 } : n >= 1000 ? { repeats: 5, warmup: 1, batchMs: 60 } : { repeats: QUICK ? 3 : 9, batchMs: 30 });
const acpOpts = { repeats: QUICK ? 3 : 9, batchMs: QUICK ? 5 : 20 };

/**
 * ACP at 100 rules deciding 1,024 different requests in rotation, and cel-js evaluating one parsed
 * two-clause expression over 1,024 different contexts in rotation, alternating rounds, nothing else
 * in the process. The earlier comparison (the one headline request, repeated, against its rule's
 * four-clause expression) is measured beside it for continuity.
 */
async function celComparison() {
  const r = compile(acpPolicy(100), { filename: "bench100.acp" });
  const policy = await loadPolicy(r.wasm, r.manifest);
  const rot = rotationRequests(100, 1024);
  for (const q of rot) if (policy.decide(q.req).effect !== q.expect) throw new Error(`ACP decides ${JSON.stringify(q.req)} unlike the rules`);
  const reqs = rot.map((q) => q.req);
  const cel = celParse(CEL_ROTATION);
  const ctxs = celContexts(1024);
  for (const c of ctxs) if (cel(c) !== celRotationExpect(c)) throw new Error(`CEL decides ${JSON.stringify(c)} unlike its expression`);
  const headline = requests(100)[0].req;
  const celHead = celParse(celExpression(100));
  if (policy.decide(headline).effect !== "allow" || celHead(headline) !== true || celHead({ ...headline, args: { ...headline.args, amount: 1e9 } }) !== false) throw new Error("the CEL expression does not decide like the ACP rule");
  // Each engine and each shape gets a timing loop of its own (see timeNsOwnLoop).
  const acp = [], celNs = [], acpHead = [], celHeadNs = [];
  for (let round = 0; round < Math.max(3, ROUNDS); round++) {
    acp.push(timeNsOwnLoop((i) => policy.decide(reqs[i & 1023]).effect, acpOpts).ns);
    celNs.push(timeNsOwnLoop((i) => cel(ctxs[i & 1023]), acpOpts).ns);
    acpHead.push(timeNsOwnLoop(() => policy.decide(headline).effect, acpOpts).ns);
    celHeadNs.push(timeNsOwnLoop(() => celHead(headline), acpOpts).ns);
  }
  return { acpNs: median(acp), celNs: median(celNs), acpHeadNs: median(acpHead), celHeadNs: median(celHeadNs) };
}

/** Flatness: every rule on its own tool with its own type, at 10 to 10,000 rules, interleaved
 * rounds in a process of their own. */
async function flatness() {
  const sizes = QUICK ? [10, 1000] : [10, 100, 1000, 10000];
  const engines = [];
  for (const n of sizes) {
    const r = compile(perToolPolicy(n), { filename: `pertool${n}.acp` });
    if (!r.wasm || !r.manifest) throw new Error(`the ${n}-rule per-tool policy did not compile`);
    const policy = await loadPolicy(r.wasm, r.manifest);
    const qs = perToolRequests(n);
    for (const q of qs) if (policy.decide(q.req).effect !== q.expect) throw new Error(`${n} per-tool rules: ${q.req.target} not ${q.expect}`);
    engines.push({ n, policy, reqs: qs.map((q) => q.req), samples: [] });
  }
  for (let round = 0; round < Math.max(3, ROUNDS); round++) {
    for (const e of engines) e.samples.push(timeNs((i) => e.policy.decide(e.reqs[i & 1023]).effect, acpOpts).ns);
  }
  return engines.map((e) => ({ rules: e.n, acpNs: median(e.samples) }));
}

if (process.argv.includes("--cel-child")) {
  process.stdout.write(JSON.stringify(await celComparison()) + "\n");
  process.exit(0);
}
if (process.argv.includes("--flat-child")) {
  process.stdout.write(JSON.stringify(await flatness()) + "\n");
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
// Fresh processes; each gives one ratio measured inside it, and the row shows the median run.
const child = (flag) => JSON.parse(execFileSync(process.execPath, [new URL(import.meta.url).pathname, flag, ...(QUICK ? ["--quick"] : [])], { encoding: "utf8" }).trim().split("\n").at(-1));
const medianRun = (runs, ratio) => [...runs].sort((a, b) => ratio(a) - ratio(b))[runs.length >> 1];
const celRuns = [];
for (let i = 0; i < (QUICK ? 1 : 3); i++) celRuns.push(child("--cel-child"));
const rot = medianRun(celRuns, (r) => r.celNs / r.acpNs);
rows.push({
  figure: "decide, 100 rules, 1,024 requests in rotation vs CEL (2 clauses, 1,024 contexts)", acp: fmtNs(rot.acpNs), peer: fmtNs(rot.celNs), ratio: ratioText(rot.celNs / rot.acpNs),
  target: "no slower (≥ 1×)", met: rot.acpNs <= rot.celNs,
});
const head = medianRun(celRuns, (r) => r.celHeadNs / r.acpHeadNs);
rows.push({
  figure: "decide, 100 rules vs CEL (1 expr), one request repeated", acp: fmtNs(head.acpHeadNs), peer: fmtNs(head.celHeadNs), ratio: ratioText(head.celHeadNs / head.acpHeadNs),
  target: "(reported)", met: null,
});
rows.push({
  figure: "decide, 100 rules vs CEL, after the Cedar curve in one process", acp: fmtNs(acpVsCel), peer: fmtNs(celMedian), ratio: ratioText(celMedian / acpVsCel),
  target: "(reported)", met: null,
});
const flatRuns = [];
for (let i = 0; i < (QUICK ? 1 : 3); i++) flatRuns.push(child("--flat-child"));
const flatOf = (run) => run.at(-1).acpNs / run[0].acpNs;
const flatRun = medianRun(flatRuns, flatOf);
const flatLast = flatRun.at(-1).rules;
rows.push({
  figure: `flatness, one tool and type per rule, ${flatLast} / 10 rules`, acp: ratioText(flatOf(flatRun)), peer: `${fmtNs(flatRun[0].acpNs)} → ${fmtNs(flatRun.at(-1).acpNs)}`, ratio: "—",
  target: "ACP ≤ 1.3×", met: flatLast === 10000 ? flatOf(flatRun) <= 1.3 : null,
});
const last = SIZES.at(-1);
const flat = at(last).acpNs / at(10).acpNs;
rows.push({
  figure: `flatness, benchmark policy (one type), ${last} / 10 rules`, acp: ratioText(flat), peer: ratioText(at(last).cedarNs / at(10).cedarNs), ratio: "—",
  target: "(reported)", met: null,
});

report({
  figure: "decide",
  command: "node bench/decide.mjs",
  rows,
  curve,
  notes: [
    "Each decision cycles over 4 requests (tool allow/deny, fs.read allow/deny) hitting one unit of 4 rules; both engines must agree on all 4 before timing.",
    `ACP: median of ${ROUNDS} interleaved rounds, each a median over batches. The first two CEL rows are the median of three fresh processes (node bench/decide.mjs --cel-child), ACP and CEL alternating, each with a timing loop of its own: the rotation row decides rotationRequests(100, 1024) (tool calls and fs reads over all 25 units, varied amounts, currencies, payees and agents, each a fresh object) against \`${CEL_ROTATION}\` over celContexts(1024); the repeated row is the headline tool request against its rule's expression. The third is the repeated row in this process, after the Cedar curve.`,
    `CEL runs, rotation (ACP / CEL): ${celRuns.map((r) => `${fmtNs(r.acpNs)} / ${fmtNs(r.celNs)}`).join(", ")}; repeated: ${celRuns.map((r) => `${fmtNs(r.acpHeadNs)} / ${fmtNs(r.celHeadNs)}`).join(", ")}.`,
    `Flatness: perToolPolicy(n) (rule i alone on tool t<i>, whose argument type A<i> is its own) with perToolRequests(n, 1024) (1,024 requests in rotation over min(n, 1,024) tools spread over the policy), sizes ${flatRun.map((r) => r.rules).join("/")} interleaved in a fresh process (node bench/decide.mjs --flat-child), the median of three processes; runs: ${flatRuns.map((run) => run.map((r) => fmtNs(r.acpNs)).join(" / ")).join("; ")}.`,
  ],
});
