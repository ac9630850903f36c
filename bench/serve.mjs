// Figure: the decision server under load. `acpc serve`'s HTTP stack (runtime/serve, node:http)
// deciding the 100-rule policy, against the same stack with `@cedar-policy/cedar-wasm` deciding
// the equivalent Cedar policies (preparsed, statefulIsAuthorized) in place of the WASM module:
// each server in a child process of its own, one real HTTP client here with 64 keep-alive
// connections, each connection sending the next request as soon as its answer is in. A third
// server is ACP with its decision log (`--record`: a file flight recorder, group commit, each
// answer sent once its record is fsynced), reported beside the others.
// Usage: node bench/serve.mjs [--json] [--quick] [--rules N] [--seconds S]
import * as cedar from "@cedar-policy/cedar-wasm/nodejs";
import { fork } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { Agent, request } from "node:http";
import { cpus } from "node:os";
import { fileURLToPath } from "node:url";
import { compile } from "../dist/compiler/index.js";
import { FlightRecorder, loadPolicy } from "../dist/runtime/index.js";
import { DecisionServer } from "../dist/runtime/serve/decision-server.js";
import { acpPolicy, cedarCall, cedarPolicies, median, ratioText, report, requests } from "./lib.mjs";

const argv = process.argv.slice(2);
const opt = (name, dflt) => { const i = argv.indexOf(name); return i >= 0 ? Number(argv[i + 1]) : dflt; };
const QUICK = argv.includes("--quick");
const RULES = opt("--rules", 100);
const SECONDS = opt("--seconds", QUICK ? 1.5 : 5);
const ROUNDS = QUICK ? 1 : 3;
const CONNECTIONS = 64;
/** Where the logging server writes its decision log; made by main(), removed at its end. */
let logDir;

/** The server side, in a child: `--server acp|cedar` listens on a free port and sends it up. */
async function runServer(engine) {
  const r = compile(acpPolicy(RULES), { filename: `bench${RULES}.acp` });
  const acp = await loadPolicy(r.wasm, r.manifest);
  let policy = acp;
  if (engine === "cedar") {
    const setId = `bench${RULES}`;
    const parsed = cedar.preparsePolicySet(setId, { staticPolicies: cedarPolicies(RULES) });
    if (parsed.type !== "success") throw new Error(`Cedar could not parse the policies: ${JSON.stringify(parsed.errors)}`);
    // The same Policy interface as the module's: only the decision differs between the two servers.
    policy = {
      manifest: acp.manifest,
      decide(req) {
        const a = cedar.statefulIsAuthorized(cedarCall(setId, req));
        const effect = a.type === "success" && a.response.decision === "allow" ? "allow" : "deny";
        return { effect, rule: null, audit: [] };
      },
    };
  }
  let recorder;
  if (engine === "acp-log") recorder = await FlightRecorder.open({ path: argv[argv.indexOf("--log") + 1], policy: { name: acp.manifest.policy, hash: r.manifest.sourceSha256 } });
  const server = await DecisionServer.listen({ policy: { policy, digest: r.manifest.sourceSha256 }, recorder }, "127.0.0.1", 0);
  process.send({ port: server.address.port });
}

if (argv.includes("--server")) {
  await runServer(argv[argv.indexOf("--server") + 1]);
} else {
  await main();
}


function startServer(engine) {
  const child = fork(fileURLToPath(import.meta.url), ["--server", engine, "--rules", String(RULES), "--log", join(logDir, "decisions.log")], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  return new Promise((resolve, reject) => {
    child.once("message", (m) => resolve({ child, url: `http://127.0.0.1:${m.port}` }));
    child.once("exit", (code) => reject(new Error(`the ${engine} server exited ${code}`)));
  });
}

function post(agent, port, body) {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path: "/v1/decide", method: "POST", agent, headers: { "content-type": "application/json", "content-length": body.length } }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString() }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** 64 connections for `seconds`: decisions per second and latency percentiles (ms). */
async function load(port, bodies, seconds) {
  const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const lat = [];
  let errors = 0;
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  const conn = async (c) => {
    for (let i = c; performance.now() < end; i++) {
      const s = performance.now();
      const r = await post(agent, port, bodies[i & 3]);
      if (r.status !== 200) errors++;
      lat.push(performance.now() - s);
    }
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, (_, c) => conn(c)));
  const wall = (performance.now() - t0) / 1000;
  agent.destroy();
  lat.sort((a, b) => a - b);
  const pct = (p) => lat[Math.min(lat.length - 1, Math.floor(lat.length * p))];
  return { rps: lat.length / wall, p50: pct(0.5), p99: pct(0.99), n: lat.length, errors };
}

async function main() {
  logDir = mkdtempSync(join(tmpdir(), "acp-serve-bench-"));
  const reqs = requests(RULES);
  const bodies = reqs.map((q) => Buffer.from(JSON.stringify(q.req)));
  const servers = { acp: await startServer("acp"), "acp-log": await startServer("acp-log"), cedar: await startServer("cedar") };
  try {
    const port = (s) => Number(new URL(s.url).port);
    // Equivalence over HTTP before timing: both servers decide every request as expected.
    for (const [name, s] of Object.entries(servers)) {
      const agent = new Agent({ keepAlive: false });
      for (let i = 0; i < reqs.length; i++) {
        const r = await post(agent, port(s), bodies[i]);
        const effect = JSON.parse(r.text).effect;
        if (r.status !== 200 || effect !== reqs[i].expect) throw new Error(`${name} server, ${reqs[i].name}: HTTP ${r.status}, ${effect}; expected ${reqs[i].expect}`);
      }
    }
    // Warm-up, then rounds alternating the engines, so drift on a shared machine hits them alike.
    for (const s of Object.values(servers)) await load(port(s), bodies, Math.min(1, SECONDS));
    const runs = { acp: [], "acp-log": [], cedar: [] };
    for (let round = 0; round < ROUNDS; round++) for (const name of Object.keys(runs)) runs[name].push(await load(port(servers[name]), bodies, SECONDS));
    const med = (name, k) => median(runs[name].map((r) => r[k]));
    const acp = { rps: med("acp", "rps"), p50: med("acp", "p50"), p99: med("acp", "p99") };
    const ced = { rps: med("cedar", "rps"), p50: med("cedar", "p50"), p99: med("cedar", "p99") };
    const logged = { rps: med("acp-log", "rps"), p50: med("acp-log", "p50"), p99: med("acp-log", "p99") };
    const errors = Object.values(runs).flat().reduce((n, r) => n + r.errors, 0);
    if (errors) throw new Error(`${errors} request(s) did not answer 200`);
    const rps = (x) => `${Math.round(x).toLocaleString("en-US")} dec/s`;
    const ms = (x) => `${x.toFixed(1)} ms`;
    report({
      figure: "serve",
      command: "node bench/serve.mjs",
      rows: [
        { figure: `serve, ${RULES} rules, ${CONNECTIONS} connections: throughput vs Cedar`, acp: rps(acp.rps), peer: rps(ced.rps), ratio: ratioText(acp.rps / ced.rps), target: "(reported)", met: null },
        { figure: `serve, ${RULES} rules, ${CONNECTIONS} connections: p99 latency vs Cedar`, acp: ms(acp.p99), peer: ms(ced.p99), ratio: ratioText(ced.p99 / acp.p99), target: "(reported)", met: null },
        { figure: `serve --record (decision log, fsync'd), ${CONNECTIONS} connections: throughput, p99 vs Cedar unlogged`, acp: `${rps(logged.rps)}, ${ms(logged.p99)}`, peer: `${rps(ced.rps)}, ${ms(ced.p99)}`, ratio: ratioText(logged.rps / ced.rps), target: "(reported)", met: null },
      ],
      serve: { acp, logged, cedar: ced, runs },
      notes: [
        `Each server (runtime/serve's DecisionServer, node:http) runs in its own process; the client (node:http, ${CONNECTIONS} keep-alive connections) in the bench process, on the same ${cpus().length}-core machine. The Cedar server is the same stack with the decision made by statefulIsAuthorized on the preparsed equivalent set (bench/lib.mjs).`,
        `Median of ${ROUNDS} alternating round(s) of ${SECONDS} s after a warm-up; p50 ACP ${ms(acp.p50)}, Cedar ${ms(ced.p50)}. The first two rows keep no log (Cedar has none to write); the third is ACP with --record, each answer sent once its record is fsynced (group commit).`,
      ],
    });
  } finally {
    for (const s of Object.values(servers)) s.child.kill();
    rmSync(logDir, { recursive: true, force: true });
  }
}
