// Figure: flight-recorder throughput. Syscall records (canonical JSON, args digest, SHA-256 hash
// chain) appended to a real file in a temp dir, acknowledged only once written and fsynced:
// group commit with many appends in flight, and the synchronous one-fsync-per-record mode.
// The peer column is the same file with bare appendFile+fsync of pre-serialized lines, unhashed.
// Usage: node bench/recorder.mjs [--json] [--quick]
import { mkdtempSync, rmSync } from "node:fs";
import { open } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { FlightRecorder } from "../dist/runtime/index.js";
import { median, ratioText, report } from "./lib.mjs";

const QUICK = process.argv.includes("--quick");
const GROUP_RECORDS = QUICK ? 20_000 : 200_000;
/** Appends in flight at once: the kernel's many agents, each awaiting its own record. */
const IN_FLIGHT = 4096;
const SYNC_SECONDS = QUICK ? 0.3 : 1.5;
const ROUNDS = QUICK ? 1 : 3;

const dir = mkdtempSync(join(tmpdir(), "acp-bench-recorder-"));
const agent = { id: "a1", name: "payer", tenant: "acme", role: "clerk", labels: {} };
const input = (i) => ({
  agent, syscall: "tool.call", target: "transfer",
  args: { amount: i % 5000, currency: "USD", to: `acct-${i % 97}` },
  decision: { effect: "allow", rule: "small-usd", audit: [] }, policyHash: "ab".repeat(32),
});

async function groupCommit(round) {
  const rec = await FlightRecorder.open({ path: join(dir, `group-${round}.log`), sync: "group" });
  const t0 = performance.now();
  for (let i = 0; i < GROUP_RECORDS; i += IN_FLIGHT) {
    const acks = [];
    for (let j = i; j < Math.min(GROUP_RECORDS, i + IN_FLIGHT); j++) acks.push(rec.syscall(input(j)));
    await Promise.all(acks);
  }
  const s = (performance.now() - t0) / 1000;
  const stats = rec.stats();
  await rec.close();
  return { perSec: GROUP_RECORDS / s, syncs: stats.syncs };
}

async function syncEach(round) {
  const rec = await FlightRecorder.open({ path: join(dir, `always-${round}.log`), sync: "always" });
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < SYNC_SECONDS * 1000) await rec.syscall(input(n++));
  const s = (performance.now() - t0) / 1000;
  await rec.close();
  return n / s;
}

/** Baseline: the same bytes per fsync, without records, hashing or the chain. */
async function bareFile(round, perSync, total) {
  const fh = await open(join(dir, `bare-${round}.log`), "a");
  const line = Buffer.from(JSON.stringify({ seq: 0, ...input(0), hash: "0".repeat(64) }) + "\n");
  const t0 = performance.now();
  for (let i = 0; i < total; i += perSync) {
    const n = Math.min(perSync, total - i);
    await fh.write(Buffer.concat(Array.from({ length: n }, () => line)));
    await fh.sync();
  }
  const s = (performance.now() - t0) / 1000;
  await fh.close();
  return total / s;
}

const group = [], always = [], bareGroup = [], bareAlways = [];
try {
  for (let r = 0; r < ROUNDS; r++) {
    const g = await groupCommit(r);
    group.push(g.perSec);
    bareGroup.push(await bareFile(`g${r}`, Math.max(1, Math.round(GROUP_RECORDS / g.syncs)), GROUP_RECORDS));
    always.push(await syncEach(r));
    bareAlways.push(await bareFile(`a${r}`, 1, Math.max(50, Math.round(median(always) * 0.5))));
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const fmt = (x) => `${Math.round(x).toLocaleString("en-US")} rec/s`;
const g = median(group), a = median(always), bg = median(bareGroup), ba = median(bareAlways);
report({
  figure: "recorder",
  command: "node bench/recorder.mjs",
  rows: [
    { figure: "recorder, group commit + SHA-256 chain", acp: fmt(g), peer: `${fmt(bg)} (bare fsync)`, ratio: ratioText(g / bg), target: "≥ 100,000 rec/s", met: g >= 100_000 },
    { figure: "recorder, fsync every record", acp: fmt(a), peer: `${fmt(ba)} (bare fsync)`, ratio: ratioText(a / ba), target: "(reported)", met: null },
  ],
  notes: [`${GROUP_RECORDS.toLocaleString("en-US")} syscall records, ${IN_FLIGHT} appends in flight, median of ${ROUNDS} rounds; fsync mode runs ${SYNC_SECONDS} s a round. Log in ${tmpdir()}.`],
});
