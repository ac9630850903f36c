// Scheduling and quotas: agents share the kernel in tick-counted quanta, weighted by priority, and
// every budget an agent can exhaust ends it with a record saying which.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Kernel } from "./create.js";
import { kernelsFor } from "./testdata/test-kernel.js";
import type { Agent } from "./agent.js";
import { Scheduler, TURN_MS, type Runnable } from "./scheduler.js";

const POLICY = `policy sched {
  tool ping({})
  allow tool ping
  allow fs.read "/mem/**"
  allow fs.write "/mem/working/**"
}`;

const kernel = kernelsFor(POLICY, "sched.acp", { tools: { ping: { run: () => "pong" } } });

// CPU-bound work that yields between chunks (each chunk is a few ticks), never making a syscall.
const WORKER = `export default async function main(n) {
  let x = 0;
  for (let i = 0; i < n; i++) { for (let j = 0; j < 20000; j++) x = (x + j) % 1000003; await null; }
  return x;
}`;

describe("scheduling", () => {
  it("shares the CPU round-robin: equal agents progress together, neither runs to the end first", async () => {
    const k = await kernel({ limits: { totalTicks: 1_000_000 } });
    const a = await k.spawn({ name: "a", source: WORKER, input: 200 });
    const b = await k.spawn({ name: "b", source: WORKER, input: 400 });
    await a.wait();
    // When the shorter one ends, the longer one has had about as many ticks (give or take a
    // quantum): they took turns, and it is not done.
    expect(b.exit).toBeNull();
    expect(b.ticks).toBeGreaterThan(a.ticks * 0.9);
    expect(b.ticks).toBeLessThan(a.ticks * 1.1);
    expect((await b.wait()).status).toBe("exited");
    expect(b.ticks).toBeGreaterThan(a.ticks * 1.8);
  });

  it("charges reads answered in the agent's own call to its quantum: a reading loop does not crowd out a computing one", async () => {
    const k = await kernel({ recorder: { memory: true }, limits: { totalTicks: 1_000_000, maxSyscalls: 1e9 } });
    await k.vfs.write("/mem/working/x", "x");
    const loop = (body: string) => `export default async function main() { let stop = false, n = 0; sys.on("SIGTERM", () => { stop = true; }); while (!stop) { ${body}; n++; } return n; }`;
    const reader = await k.spawn({ name: "reader", source: loop(`await sys.fs.read("/mem/working/x")`) });
    const computer = await k.spawn({ name: "computer", source: loop("await null") });
    await new Promise((r) => setTimeout(r, 60));
    reader.signal("SIGTERM");
    computer.signal("SIGTERM");
    const [reads, awaits] = [(await reader.wait()).result as number, (await computer.wait()).result as number];
    // Each read is charged like JOBS_PER_ANSWER jobs: per turn the reader does a fraction of what the
    // computer does (uncharged, it would do as many, each costing the host several times more).
    expect(reads).toBeGreaterThan(0);
    expect(reads * 3).toBeLessThan(awaits);
  });

  it("gives a higher priority a larger quantum: it finishes first, having used most of the CPU", async () => {
    const k = await kernel({ limits: { totalTicks: 1_000_000 } });
    const low = await k.spawn({ name: "low", source: WORKER, input: 300, priority: -1 });
    const high = await k.spawn({ name: "high", source: WORKER, input: 300, priority: 2 });
    const hi = await high.wait();
    expect(hi.status).toBe("exited");
    expect(low.exit).toBeNull();
    // Quanta of 4 and 32 ticks: the low agent got about an eighth of what the high one used.
    expect(low.ticks).toBeLessThan(high.ticks / 3);
    expect(low.ticks).toBeGreaterThan(0);
    expect((await low.wait()).status).toBe("exited");
  });

  it("preempts an agent that never stops awaiting, so others' syscalls go on; its CPU quota then ends it", async () => {
    const k = await kernel();
    const spinner = await k.spawn({ name: "spinner", source: `export default async function main() { for (;;) await null; }`, limits: { totalTicks: 3000 } });
    const busy = await k.run({ name: "busy", source: `export default async function main() {
      for (let i = 0; i < 40; i++) await sys.fs.write("/mem/working/n", String(i));
      return await sys.fs.read("/mem/working/n");
    }` });
    expect(busy).toMatchObject({ status: "exited", result: "39" });
    expect(spinner.exit).toBeNull();
    expect(await spinner.wait()).toMatchObject({ status: "killed", signal: "SIGKILL", error: { code: "EBUDGET" } });
    expect(spinner.ticks).toBeGreaterThan(3000);
  });
});

describe("the host's event loop", () => {
  it("gets its turns while an agent makes syscalls back to back: a host timer fires long before the agent ends", async () => {
    const k = await kernel({ limits: { totalTicks: 1e9, maxSyscalls: 1e9 } });
    await k.vfs.write("/mem/working/x", "x");
    const a = await k.spawn({ name: "busy", source: `export default async function main() { for (let i = 0; i < 20000; i++) await sys.fs.read("/mem/working/x"); return "done"; }` });
    let readsWhenTimerFired = -1;
    await new Promise<void>((resolve) => setTimeout(() => { readsWhenTimerFired = a.syscallCount; resolve(); }, 0));
    expect(readsWhenTimerFired).toBeGreaterThan(0);
    expect(readsWhenTimerFired).toBeLessThan(20000);
    expect(await a.wait()).toMatchObject({ status: "exited", result: "done" });
  });

  it("runs what a group commit acknowledges a portion per turn: a burst of big reads does not hold the host in one stretch", async () => {
    const k = await kernel({ recorder: { path: join(mkdtempSync(join(tmpdir(), "acp-burst-")), "flight.log") }, limits: { totalTicks: 1e9, memoryBytes: 256 << 20 } });
    await k.vfs.write("/mem/working/big", "z".repeat(256 * 1024));
    // Which event-loop turn the guest got each read's answer in (it logs on receipt).
    let turn = 0, done = false;
    const tick = () => { turn++; if (!done) setImmediate(tick); };
    tick();
    const turns = new Set<number>();
    const append = k.recorder.append.bind(k.recorder);
    k.recorder.append = (b) => { if (b.kind === "log") turns.add(turn); return append(b); };
    const a = await k.spawn({ name: "burst", limits: { maxLogLines: 1000 }, source: `export default async function main() {
      const ps = []; for (let i = 0; i < 300; i++) ps.push(sys.fs.read("/mem/working/big").then((s) => { sys.log("got"); return s.length; }));
      return (await Promise.all(ps)).length;
    }` });
    const exit = await a.wait();
    done = true;
    expect(exit).toMatchObject({ status: "exited", result: 300 });
    // All 300 records are durable in one commit; their answers once reached the guest in one
    // stretch (one or two turns), and now spread over many.
    expect(turns.size).toBeGreaterThanOrEqual(5);
  });
});

describe("the host's event loop, under many agents", () => {
  it("gets a turn within a round: a round of many agents is cut at the turn's deadline, not run whole", async () => {
    // 100 agents, each using at least 1 ms per quantum (CPU-bound agents at 8 ticks use ~2 ms): a
    // whole round is far more than TURN_MS. 2,000 real agents held the host for 2 s per round.
    const s = new Scheduler();
    const ran: number[] = [];
    const agents: Runnable[] = Array.from({ length: 100 }, (_, i) => ({ priority: 0, runSlice: () => {
      const until = performance.now() + 1;
      while (performance.now() < until) { /* a quantum's work */ }
      ran.push(i);
      return false;
    } }));
    for (const a of agents) s.enqueue(a);
    const ranWhenHostRan = await new Promise<number>((resolve) => setImmediate(() => resolve(ran.length)));
    expect(TURN_MS).toBeLessThan(50);
    expect(ranWhenHostRan).toBeGreaterThan(0);
    expect(ranWhenHostRan).toBeLessThan(100);
    // The rest of the round runs on the next turns, in order, each agent once.
    await new Promise<void>((resolve) => { const poll = () => (ran.length === 100 ? resolve() : setImmediate(poll)); poll(); });
    expect(ran).toEqual([...Array(100).keys()]);
  });
});

describe("quotas", () => {
  it("charges the host's work on a large call to the slice: a loop logging big strings ends within its budget", async () => {
    let lines = 0;
    const k = await kernel({ onLog: () => { lines++; } });
    // Each call copies 2 MB out of QuickJS and through the host: ~30 ticks, which QuickJS's own
    // counter never sees (the loop makes a few bytecode operations per call). Uncharged, all
    // 2,000 calls ran in one slice (the first 1,000 logged); charged, the slice's 2,500 ticks end it.
    const a = await k.spawn({ name: "logger", source: `export default async function main() { const s = "y".repeat(2e6); for (let i = 0; i < 2000; i++) sys.log(s); return "done"; }` });
    expect(await a.wait()).toMatchObject({ status: "killed", signal: "SIGKILL", error: { code: "EBUDGET" }, syscalls: 0 });
    expect(lines).toBeGreaterThan(10);
    expect(lines).toBeLessThan(200);
  });

  it("charges the host's work on a large answer given in the call: a loop reading a big file ends within its slice", async () => {
    const k = await kernel({ recorder: { memory: true } });
    await k.vfs.write("/mem/working/big", "z".repeat(256 * 1024));
    // Each read is answered in the call with 256 Ki characters (4 ticks of host work that QuickJS's
    // counter never sees); uncharged, all 200 ran in one slice of 100 ticks.
    const a = await k.spawn({ name: "reader", limits: { sliceTicks: 100, sliceMs: 1e9 }, source: `export default async function main() {
      for (let i = 0; i < 200; i++) sys.fs.read("/mem/working/big"); return "done"; }` });
    expect(await a.wait()).toMatchObject({ status: "killed", signal: "SIGKILL", error: { code: "EBUDGET" } });
    expect(a.syscallCount).toBeLessThan(30);
    expect(a.ticks).toBeGreaterThanOrEqual(100);
  });

  it("charges time inside native builtins, which no tick sees, to the agent's CPU budget", async () => {
    const k = await kernel();
    // Each round is one native call of milliseconds (a 4 MiB repeat and a scan of it) and almost no
    // bytecode: ticks alone would let it run for minutes.
    const a = await k.spawn({ name: "native", limits: { cpuMs: 300, totalTicks: 1e9, sliceMs: 1e9, sliceTicks: 1e9 }, source: `export default async function main() {
      for (;;) { const s = "y".repeat(1 << 22); if (s.indexOf("z") >= 0) return "found"; await null; } }` });
    const exit = await a.wait();
    expect(exit).toMatchObject({ status: "killed", signal: "SIGKILL", error: { code: "EBUDGET" } });
    expect(exit.error!.message).toMatch(/CPU budget of 300 ms/);
    // What the ticks saw of it: less than one default slice's worth.
    expect(a.ticks).toBeLessThan(2_500);
  });

  const events = (k: Kernel, a: Agent) => k.recorder.records().filter((r) => r.kind === "agent" && (r as { agent: { id: string } }).agent.id === a.id);

  it.each([
    ["CPU ticks", { totalTicks: 500 }, `for (;;) { let x = 0; for (let j = 0; j < 1000; j++) x += j; await null; }`, "EBUDGET", /whole budget of 500 ticks/],
    ["syscalls", { maxSyscalls: 5 }, `for (;;) await sys.fs.read("/mem/working/none").catch(() => 0);`, "EQUOTA", /more than 5 syscalls/],
    ["tool calls", { maxToolCalls: 3 }, `for (;;) await sys.tool("ping", {});`, "EQUOTA", /more than 3 tool calls/],
    // Calls that wait (writes start after the slice; a blocked pipe.send waits for a reader) hold their arguments on the host.
    ["waiting calls' characters", { inFlightBytes: 4096 }, `const d = "x".repeat(1000); const ps = []; for (let i = 0; i < 10; i++) ps.push(sys.fs.write("/mem/working/f" + i, d)); await Promise.all(ps);`, "EQUOTA", /more than 4096 characters of calls waiting/],
  ])("ends the agent that exhausts its %s quota, and records which", async (_what, limits, body, code, message) => {
    const k = await kernel();
    const a = await k.spawn({ name: "greedy", source: `export default async function main() { ${body} }`, limits });
    const exit = await a.wait();
    expect(exit).toMatchObject({ status: "killed", signal: "SIGKILL", error: { code } });
    expect(exit.error!.message).toMatch(message);
    await new Promise((r) => setTimeout(r, 20));
    const ended = events(k, a).at(-1) as unknown as { event: string; detail: { error: { code: string; message: string } } };
    expect(ended).toMatchObject({ event: "killed", detail: { error: { code } } });
    expect(ended.detail.error.message).toMatch(message);
  });
});
