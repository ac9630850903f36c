// Shared by every figure script: timing (medians over repeats, in one process), the N-rule policy
// generator with its Cedar and CEL equivalents, and the figure-script output convention.
import { performance } from "node:perf_hooks";

// ---- timing ---------------------------------------------------------------------------------

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

let sink = 0;
/** Keeps results observable so the JIT cannot drop the calls being timed. */
export function consume(x) { sink = (sink + (x ? 1 : 0)) | 0; return sink; }

/**
 * Nanoseconds per call of `fn(i)`: calls run in batches sized to last about `batchMs`, and the
 * figure is the median over `repeats` batches (after warm-up batches that are thrown away).
 */
export function timeNs(fn, { repeats = 15, batchMs = 20, warmup = 3, maxIters = 1 << 22 } = {}) {
  let iters = 1;
  for (;;) { // calibrate: grow the batch until it lasts batchMs
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < iters; i++) consume(fn(i));
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (ms >= batchMs || iters >= maxIters) break;
    iters = Math.min(maxIters, ms < 1 ? iters * 8 : Math.ceil(iters * (batchMs / ms) * 1.1));
  }
  const samples = [];
  for (let r = 0; r < warmup + repeats; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < iters; i++) consume(fn(i));
    const ns = Number(process.hrtime.bigint() - t0) / iters;
    if (r >= warmup) samples.push(ns);
  }
  return { ns: median(samples), iters, repeats, samples };
}

/**
 * `timeNs` with a timing loop of its own: the loop is compiled afresh for each caller, so its call
 * site `fn(i)` sees one function only. Two engines timed alternately through one shared loop make
 * that call site polymorphic, which costs whichever engine the JIT would have inlined.
 */
export function timeNsOwnLoop(fn, opts = {}) {
  const own = new Function("median", "consume", `return ${timeNs.toString()}`)(median, consume);
  return own(fn, opts);
}

/** Milliseconds of one run of `fn()`, median over `repeats` runs. */
export function timeMs(fn, repeats = 3) {
  const samples = [];
  let last;
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    last = fn();
    samples.push(performance.now() - t0);
  }
  return { ms: median(samples), samples, last };
}

export function fmtNs(ns) {
  if (ns == null || Number.isNaN(ns)) return "—";
  if (ns < 1e3) return `${ns.toFixed(0)} ns`;
  if (ns < 1e6) return `${(ns / 1e3).toFixed(ns < 1e4 ? 2 : 1)} µs`;
  if (ns < 1e9) return `${(ns / 1e6).toFixed(ns < 1e7 ? 2 : 1)} ms`;
  return `${(ns / 1e9).toFixed(2)} s`;
}

// ---- the benchmark policy ---------------------------------------------------------------------
//
// Rule i belongs to unit k = floor(i / 4); the four rules of a unit are, in order:
//   allow tool t<k> when args.amount <= <limit k> and args.currency == "USD"
//   deny  tool t<k> when args.to == "acct-666"
//   allow fs.read "/data/team<k>/**"
//   deny  fs.read "/data/team<k>/secrets/**"
// so the rules spread over ceil(N/4) tools and as many path trees, and a request names one of them.

const limitOf = (k) => 1000 * ((k % 9) + 1);

export function unitsOf(n) { return Math.ceil(n / 4); }

/** The unit the benchmark requests hit: in the middle, with all four of its rules present. */
export function hitUnit(n) { return Math.floor(n / 8); }

export function acpPolicy(n) {
  const tools = [];
  for (let k = 0; k < unitsOf(n); k++) tools.push(`  tool t${k}(Transfer)`);
  const rules = [];
  for (let i = 0; i < n; i++) {
    const k = i >> 2;
    switch (i & 3) {
      case 0: rules.push(`  allow tool t${k} when args.amount <= ${limitOf(k)} and args.currency == "USD"`); break;
      case 1: rules.push(`  deny tool t${k} when args.to == "acct-666"`); break;
      case 2: rules.push(`  allow fs.read "/data/team${k}/**"`); break;
      case 3: rules.push(`  deny fs.read "/data/team${k}/secrets/**"`); break;
    }
  }
  return [
    `policy bench${n} {`,
    `  on violation deny`,
    `  type Transfer = { amount: number, currency: string, to: string }`,
    ...tools,
    ...rules,
    `}`,
    ``,
  ].join("\n");
}

/** The same rules in Cedar: forbid overrides permit as deny overrides allow; no match denies in both. */
export function cedarPolicies(n) {
  const out = [];
  for (let i = 0; i < n; i++) {
    const k = i >> 2;
    switch (i & 3) {
      case 0: out.push(`permit(principal, action == Action::"tool.call", resource == Tool::"t${k}") when { context.amount <= ${limitOf(k)} && context.currency == "USD" };`); break;
      case 1: out.push(`forbid(principal, action == Action::"tool.call", resource == Tool::"t${k}") when { context.to == "acct-666" };`); break;
      // Cedar has no segment globs; `like "/data/teamK/*"` agrees with `"/data/teamK/**"` on canonical paths.
      case 2: out.push(`permit(principal, action == Action::"fs.read", resource) when { context.path like "/data/team${k}/*" };`); break;
      case 3: out.push(`forbid(principal, action == Action::"fs.read", resource) when { context.path like "/data/team${k}/secrets/*" };`); break;
    }
  }
  return out.join("\n");
}

/** The CEL expression of the one rule the headline request hits (its target test included). */
export function celExpression(n) {
  const k = hitUnit(n);
  return `syscall == "tool.call" && target == "t${k}" && args.amount <= ${limitOf(k)}.0 && args.currency == "USD"`;
}

const AGENT = { id: "a1", name: "payer", role: "clerk", tenant: "acme", labels: {} };

/** The benchmark requests, each with the effect both engines must give; [0] is the headline one. */
export function requests(n) {
  const k = hitUnit(n);
  return [
    { name: "tool allow", expect: "allow", req: { agent: AGENT, syscall: "tool.call", target: `t${k}`, args: { amount: 500, currency: "USD", to: "acct-1" } } },
    { name: "tool deny", expect: "deny", req: { agent: AGENT, syscall: "tool.call", target: `t${k}`, args: { amount: 500, currency: "USD", to: "acct-666" } } },
    { name: "fs allow", expect: "allow", req: { agent: AGENT, syscall: "fs.read", target: `/data/team${k}/reports/q3.csv` } },
    { name: "fs deny", expect: "deny", req: { agent: AGENT, syscall: "fs.read", target: `/data/team${k}/secrets/key.pem` } },
  ];
}

/**
 * `count` different requests against the n-rule policy, for deciding in rotation: each is a fresh
 * object (agent and args included) naming one of the policy's tools or path trees, with amounts,
 * currencies, payees and agents that vary, so some rules allow and others deny. `expect` is what the
 * rules say (no match decides the violation effect, `deny`).
 */
export function rotationRequests(n, count = 1024) {
  const units = unitsOf(n), out = [];
  const names = ["payer", "clerk-bot", "researcher", "writer", "auditor", "ops"];
  for (let i = 0; i < count; i++) {
    const k = (i * 7) % units;
    const agent = { id: `a${i}`, name: names[i % names.length], role: i % 3 ? "clerk" : "treasurer", tenant: `t${i % 5}`, labels: {} };
    if (i % 4 === 3) {
      const secret = i % 8 === 7;
      const target = secret ? `/data/team${k}/secrets/k${i}.pem` : `/data/team${k}/reports/r${i}.csv`;
      // fs rules exist only for units whose rules 4k+2 and 4k+3 are inside the policy.
      const expect = 4 * k + 2 < n && !(secret && 4 * k + 3 < n) ? "allow" : "deny";
      out.push({ expect, req: { agent, syscall: "fs.read", target } });
      continue;
    }
    const amount = ((i * 613) % 12000) + 0.5;
    const currency = i % 5 === 0 ? "EUR" : "USD";
    const to = i % 11 === 0 ? "acct-666" : `acct-${i}`;
    const denied = to === "acct-666" && 4 * k + 1 < n;
    const expect = denied ? "deny" : amount <= limitOf(k) && currency === "USD" ? "allow" : "deny";
    out.push({ expect, req: { agent, syscall: "tool.call", target: `t${k}`, args: { amount, currency, to } } });
  }
  return out;
}

/** The two-clause CEL expression of the rotation comparison, and its meaning as a JS function. */
export const CEL_ROTATION = `amount <= 1000.0 && action == "transfer"`;
export const celRotationExpect = (c) => c.amount <= 1000 && c.action === "transfer";

/** `count` different CEL contexts (fresh objects) for CEL_ROTATION, both outcomes well mixed. */
export function celContexts(count = 1024) {
  const actions = ["transfer", "refund", "transfer", "query"];
  const out = [];
  for (let i = 0; i < count; i++) out.push({ amount: ((i * 613) % 2000) + 0.5, action: actions[i % actions.length] });
  return out;
}

// ---- the per-tool policy: every rule on its own tool, each tool with its own argument type ------
//
// Rule i: `allow tool t<i> when args.amount <= <limit i> and args.currency == "USD"`, and tool t<i>
// takes type A<i> = { amount: number, currency: string, to: string, note<i>?: string }: as many
// declared types as rules, structurally distinct.

export function perToolPolicy(n) {
  const lines = [`policy pertool${n} {`, `  on violation deny`];
  for (let i = 0; i < n; i++) lines.push(`  type A${i} = { amount: number, currency: string, to: string, note${i}?: string }`);
  for (let i = 0; i < n; i++) lines.push(`  tool t${i}(A${i})`);
  for (let i = 0; i < n; i++) lines.push(`  allow tool t${i} when args.amount <= ${limitOf(i)} and args.currency == "USD"`);
  lines.push(`}`, ``);
  return lines.join("\n");
}

/** The per-tool policy's rules in Cedar (Cedar declares no argument types: context only). */
export function cedarPerToolPolicies(n) {
  const out = [];
  for (let i = 0; i < n; i++) out.push(`permit(principal, action == Action::"tool.call", resource == Tool::"t${i}") when { context.amount <= ${limitOf(i)} && context.currency == "USD" };`);
  return out.join("\n");
}

/**
 * `count` different requests (fresh objects) in rotation over min(n, count) tools spread evenly
 * over the per-tool policy, alternately within the tool's limit (allowed) and over it (no rule
 * matches: denied): traffic that touches many tools and types, as a large policy's would.
 */
export function perToolRequests(n, count = 1024) {
  const out = [], m = Math.min(n, count);
  for (let j = 0; j < count; j++) {
    const i = Math.floor((((j % m) + 0.5) * n) / m);
    const over = ((j / m) | 0) % 2 === 1 || (m === count && j % 2 === 1);
    const agent = { id: `a${j}`, name: "payer", role: "clerk", tenant: "acme", labels: {} };
    const args = { amount: over ? limitOf(i) + 1 : 500 + (j % 500), currency: "USD", to: `acct-${j}` };
    out.push({ expect: over ? "deny" : "allow", req: { agent, syscall: "tool.call", target: `t${i}`, args } });
  }
  return out;
}

/** An ACP request as a Cedar stateful authorization call against a preparsed policy set. */
export function cedarCall(setId, req) {
  const isTool = req.syscall === "tool.call";
  return {
    principal: { type: "Agent", id: req.agent.id },
    action: { type: "Action", id: req.syscall },
    resource: isTool ? { type: "Tool", id: req.target } : { type: "Path", id: req.target },
    context: isTool ? { ...req.args } : { path: req.target },
    preparsedPolicySetId: setId,
    entities: [],
  };
}

// ---- figure-script convention -----------------------------------------------------------------

/**
 * Every figure script ends with `report(result)`: with `--json` it prints one JSON object
 * ({ figure, command, rows, ... }) as its last stdout line, otherwise a readable table.
 * A row is { figure, acp, peer, ratio, target, met } with acp/peer already formatted.
 */
export function report(result) {
  if (process.argv.includes("--json")) {
    process.stdout.write(JSON.stringify(result) + "\n");
    return;
  }
  printTable(result.rows);
  for (const note of result.notes ?? []) console.log(`  ${note}`);
}

export function printTable(rows) {
  const head = ["figure", "ACP", "peer", "ratio", "target", "met"];
  const cells = rows.map((r) => [r.figure, r.acp ?? "—", r.peer ?? "—", r.ratio ?? "—", r.target ?? "—", r.met == null ? "—" : r.met ? "yes" : "NO"]);
  const w = head.map((h, i) => Math.max(h.length, ...cells.map((c) => String(c[i]).length)));
  const line = (c) => c.map((x, i) => String(x).padEnd(w[i])).join("  ");
  console.log(line(head));
  console.log(w.map((n) => "-".repeat(n)).join("  "));
  for (const c of cells) console.log(line(c));
}

export function ratioText(x) {
  if (x == null || !Number.isFinite(x)) return "—";
  return x >= 100 ? `${x.toFixed(0)}×` : `${x.toFixed(2)}×`;
}
