// Figure: flight-recorder throughput (acp-flight/2). Records as the kernel writes them: a syscall
// answered in the call (agent, decision, result digest), one line each, sealed in batches (the
// seal's hash over the batch's bytes, a Merkle leaf and node per record, the root in every seal).
// - memory: appends acknowledged on return, sealed every 1,024 records on the sealer thread (and,
//   in a row of its own, inline); the clock stops once the last seal is in the log.
// - file, group commit: 4,096 appends in flight, each acknowledged once its batch is written,
//   sealed and fsynced.
// - file, fsync every record: one write, seal and fsync per record.
// The peer column: the same lines built and kept in memory with nothing sealed (memory rows), and
// the same bytes per fsync with bare appendFile+fsync, no records or seals (file rows).
// Usage: node bench/recorder.mjs [--json] [--quick]
import { mkdtempSync, rmSync } from "node:fs";
import { open } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { FlightRecorder, verify } from "../dist/runtime/index.js";
import { MemorySink } from "../dist/runtime/recorder/sink.js";
import { writeSyscallLine } from "../dist/runtime/recorder/line-bytes.js";
import { median, ratioText, report } from "./lib.mjs";

const QUICK = process.argv.includes("--quick");
const MEMORY_RECORDS = QUICK ? 100_000 : 1_000_000;
const GROUP_RECORDS = QUICK ? 20_000 : 200_000;
/** Appends in flight at once: the kernel's many agents, each awaiting its own record. */
const IN_FLIGHT = 4096;
const SYNC_SECONDS = QUICK ? 0.3 : 1.5;
const ROUNDS = QUICK ? 1 : 3;

const dir = mkdtempSync(join(tmpdir(), "acp-bench-recorder-"));
// One frozen agent object per agent, as the kernel names them.
const agents = Array.from({ length: 8 }, (_, i) => Object.freeze({ id: `a${i}`, name: `reader-${i}`, tenant: "acme", role: "clerk", labels: Object.freeze({}) }));
const decisions = [Object.freeze({ effect: "allow", rule: "read-working", audit: Object.freeze([]) }), Object.freeze({ effect: "deny", rule: "no-secrets", audit: Object.freeze([]) })];
const answers = Array.from({ length: 16 }, (_, i) => JSON.stringify(`contents of file ${i}`));
const input = (i) => ({
  agent: agents[i & 7], syscall: "fs.read", target: `/mem/working/notes-${i % 97}.txt`,
  decision: decisions[i % 10 === 0 ? 1 : 0], outcome: i % 10 === 0 ? { ok: false, errno: "EPERM" } : { ok: true, answer: answers[i & 15] },
});

async function memorySealed(sealer) {
  const rec = await FlightRecorder.open({ memory: true, sealer });
  const t0 = performance.now();
  for (let i = 0; i < MEMORY_RECORDS; i++) {
    rec.syscallNow(input(i));
    // A host ships and releases what is sealed now and then, as one that runs for long must.
    if ((i & 0xffff) === 0xffff) { rec.release(rec.head()?.size ?? 0); await null; }
  }
  const head = await rec.seal();
  const s = (performance.now() - t0) / 1000;
  if (!head || head.size < MEMORY_RECORDS) throw new Error(`the last seal covers ${head?.size} records, not ${MEMORY_RECORDS}`);
  const check = verify(rec.lines(), { after: rec.released() ?? undefined, live: true });
  if (!check.ok) throw new Error(`the memory log does not verify: ${JSON.stringify(check).slice(0, 300)}`);
  await rec.close();
  return MEMORY_RECORDS / s;
}

/** Peer: the same lines written into memory the same way, with no seal, no Merkle tree, no ack. */
function memoryBare() {
  const sink = new MemorySink();
  const t0 = performance.now();
  for (let i = 0; i < MEMORY_RECORDS; i++) {
    if (!writeSyscallLine(sink, input(i), i, Date.now())) throw new Error("the bench's record took the general writer");
    if ((i & 0xffff) === 0xffff) sink.release(i);
  }
  return MEMORY_RECORDS / ((performance.now() - t0) / 1000);
}

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
  return { perSec: GROUP_RECORDS / s, syncs: stats.syncs, bytes: stats.bytes };
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

/** Peer: the same bytes per fsync, without records or seals. */
async function bareFile(round, perSync, total, bytesPerRecord) {
  const fh = await open(join(dir, `bare-${round}.log`), "a");
  const line = Buffer.alloc(Math.round(bytesPerRecord), 0x61);
  line[line.length - 1] = 0x0a;
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

const r = { thread: [], inline: [], bareMemory: [], group: [], bareGroup: [], always: [], bareAlways: [] };
try {
  for (let round = 0; round < ROUNDS; round++) {
    r.thread.push(await memorySealed("thread"));
    r.bareMemory.push(memoryBare());
    r.inline.push(await memorySealed("inline"));
    const g = await groupCommit(round);
    r.group.push(g.perSec);
    const perRecord = g.bytes / GROUP_RECORDS;
    r.bareGroup.push(await bareFile(`g${round}`, Math.max(1, Math.round(GROUP_RECORDS / g.syncs)), GROUP_RECORDS, perRecord));
    r.always.push(await syncEach(round));
    r.bareAlways.push(await bareFile(`a${round}`, 1, Math.max(50, Math.round(median(r.always) * 0.5)), perRecord));
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const fmt = (x) => `${Math.round(x).toLocaleString("en-US")} rec/s`;
const m = Object.fromEntries(Object.entries(r).map(([k, v]) => [k, median(v)]));
report({
  figure: "recorder",
  command: "node bench/recorder.mjs",
  rows: [
    { figure: "recorder, memory, sealed (sealer thread)", acp: fmt(m.thread), peer: `${fmt(m.bareMemory)} (lines, unsealed)`, ratio: ratioText(m.thread / m.bareMemory), target: "≥ 1,000,000 rec/s", met: m.thread >= 1_000_000 },
    { figure: "recorder, memory, sealed inline", acp: fmt(m.inline), peer: `${fmt(m.bareMemory)} (lines, unsealed)`, ratio: ratioText(m.inline / m.bareMemory), target: "(reported)", met: null },
    { figure: "recorder, file, group commit (sealed, fsynced)", acp: fmt(m.group), peer: `${fmt(m.bareGroup)} (bare fsync)`, ratio: ratioText(m.group / m.bareGroup), target: "≥ 200,000 rec/s", met: m.group >= 200_000 },
    { figure: "recorder, file, fsync every record", acp: fmt(m.always), peer: `${fmt(m.bareAlways)} (bare fsync)`, ratio: ratioText(m.always / m.bareAlways), target: "(reported)", met: null },
  ],
  notes: [
    `memory: ${MEMORY_RECORDS.toLocaleString("en-US")} read records (one in ten a denial), sealed every 1,024, released every 65,536 and the rest verified; file: ${GROUP_RECORDS.toLocaleString("en-US")} records, ${IN_FLIGHT} appends in flight; fsync mode runs ${SYNC_SECONDS} s a round; median of ${ROUNDS} rounds. Logs in ${tmpdir()}.`,
  ],
  raw: m,
});
