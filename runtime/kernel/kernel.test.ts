// The kernel end to end: real QuickJS isolates, a real compiled policy, the real VFS and recorder.
import { mkdirSync, mkdtempSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { queryObjects } from "node:v8";
import { afterEach, describe, expect, it } from "vitest";
import { compile } from "../../compiler/compile.js";
import { loadPolicy } from "../policy/load.js";
import { verify } from "../recorder/verify.js";
import { Kernel, type KernelCreateOptions } from "./create.js";

/** Live WebAssembly.Memory objects. v8.queryObjects is experimental in Node 20 and says so on stderr
 * on first use: that one warning is dropped here, any other passes. */
function liveMemories(): number {
  const emit = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    if (!String(typeof warning === "string" ? warning : warning.message).includes("queryObjects")) (emit as (...a: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  try { return queryObjects(WebAssembly.Memory, { format: "count" }) as number; } finally { process.emitWarning = emit; }
}

const POLICY = `policy t {
  tool pay({ amount: number, to: string })
  tool slow({})
  tool huge({})
  allow tool pay when args.amount <= 1000
  stop tool pay when args.amount > 5000
  kill tool pay when args.to == "acct-666"
  allow tool slow
  allow tool huge
  allow fs.read "/mem/**"
  allow fs.read "/policy/**"
  allow fs.list "/mem/**"
  allow fs.write "/mem/working/**"
  deny fs.read "/mem/semantic/secrets/**"
  limit tool pay 3 per 1m
  allow checkpoint
  allow fs.read "/state/**"
}`;

const kernels: Kernel[] = [];
afterEach(async () => { for (const k of kernels.splice(0)) await k.shutdown(); });

async function kernel(o: Partial<KernelCreateOptions> = {}): Promise<Kernel> {
  const r = compile(POLICY, { filename: "t.acp" });
  const k = await Kernel.create({
    policy: await loadPolicy(r.wasm!, r.manifest!), policySource: POLICY,
    tools: {
      pay: { run: async (a: { amount: number }) => ({ id: `tx-${a.amount}` }) },
      slow: { run: () => new Promise(() => {}), timeoutMs: 50 },
      huge: { run: () => "x".repeat(2000), maxResultBytes: 1000 },
    },
    limits: { sliceTicks: 300 },
    termGraceMs: 100,
    ...o,
  });
  kernels.push(k);
  return k;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("kernel", () => {
  it("runs an agent through the gate: fs, tools, EPERM, and a result", async () => {
    const k = await kernel();
    const exit = await k.run({ name: "payer", input: { who: "world" }, source: `export default async function main(input) {
      await sys.fs.write("/mem/working/a.txt", "hello " + input.who);
      const text = await sys.fs.read("/mem/working/a.txt");
      const receipt = await sys.tool("pay", { amount: 500, to: "acct-1" });
      let denied = null;
      try { await sys.fs.read("/mem/semantic/secrets/k"); } catch (e) { denied = e.code; }
      const policyFiles = await sys.fs.list("/mem/working");
      const manifest = JSON.parse(await sys.fs.read("/policy/manifest.json"));
      return { text, receipt, denied, policy: manifest.policy, mem: policyFiles };
    }` });
    expect(exit).toMatchObject({ status: "exited", signal: null, syscalls: 6,
      result: { text: "hello world", receipt: { id: "tx-500" }, denied: "EPERM", policy: "t" } });
    expect(exit.violations).toEqual([{ syscall: "fs.read", target: "/mem/semantic/secrets/k", effect: "deny", rule: "t:14", outcome: "EPERM" }]);
  });

  it("kills at a kill decision: no further guest code runs, pending effects are dropped", async () => {
    const k = await kernel();
    const exit = await k.run({ source: `export default async function main() {
      const w = sys.fs.write("/mem/working/after.txt", "should not exist");
      try { sys.tool("pay", { amount: 1, to: "acct-666" }); } finally { await sys.fs.write("/mem/working/finally.txt", "no"); }
      return "unreachable";
    }` });
    expect(exit).toMatchObject({ status: "killed", signal: "SIGPOLICY", result: null });
    expect(exit.violations[0]).toMatchObject({ effect: "kill", rule: "t:7", outcome: "killed" });
    await expect(k.vfs.read("/mem/working/finally.txt")).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("enforces limit declarations per agent with the policy's violation effect", async () => {
    const k = await kernel();
    const src = `export default async function main() { const r = []; for (let i = 0; i < 4; i++) r.push(await sys.tool("pay", { amount: 1, to: "a" })); return r; }`;
    const exit = await k.run({ source: src });
    expect(exit).toMatchObject({ status: "killed", signal: "SIGPOLICY", syscalls: 4, violations: [{ syscall: "tool.call", target: "pay", effect: "kill", rule: null }] });
    // The window is per agent: another agent starts with a fresh one.
    const first = await k.run({ source: `export default async function main() { return await sys.tool("pay", { amount: 2, to: "a" }); }` });
    expect(first).toMatchObject({ status: "exited", result: { id: "tx-2" } });
  });

  it("stops a syscall for review until approved or rejected", async () => {
    const k = await kernel();
    const src = `export default async function main() { try { return await sys.tool("pay", { amount: 6000, to: "x" }); } catch (e) { return e.code; } }`;
    const a = await k.spawn({ source: src });
    while (!a.pending()) await sleep(2);
    expect(a.state).toBe("stopped");
    expect(a.pending()).toMatchObject({ syscall: "tool.call", target: "pay", args: { amount: 6000, to: "x" } });
    a.approve();
    expect((await a.wait()).result).toEqual({ id: "tx-6000" });
    const b = await k.spawn({ source: src });
    while (!b.pending()) await sleep(2);
    b.reject();
    expect(await b.wait()).toMatchObject({ status: "exited", result: "EPERM", violations: [{ effect: "stop", outcome: "rejected" }] });
  });

  it("SIGSTOP holds an agent at its syscalls and SIGCONT lets it go on", async () => {
    const k = await kernel();
    // Writes until the host says stop (memory writes are answered in the call: the loop is fast).
    const a = await k.spawn({ source: `export default async function main() {
      let n = 0;
      while (!(await sys.fs.list("/mem/working")).includes("done")) await sys.fs.write("/mem/working/n", String(++n));
      return n;
    }` });
    await sleep(5);
    a.signal("SIGSTOP");
    await sleep(10);
    const at = await k.vfs.read("/mem/working/n");
    await sleep(30);
    expect(await k.vfs.read("/mem/working/n")).toBe(at);
    expect(a.state).toBe("stopped");
    a.signal("SIGCONT");
    await sleep(5);
    await k.vfs.write("/mem/working/done", "");
    const exit = await a.wait();
    expect(exit).toMatchObject({ status: "exited" });
    expect(exit.result).toBeGreaterThan(Number(at));
  });

  it("SIGTERM runs the handler; a handler that never finishes gets SIGKILL after the grace period", async () => {
    // A grace period no loaded machine runs out of for the handler that finishes (it is not waited
    // for once the agent ends), a short one for the handler that never does.
    const patient = await kernel({ termGraceMs: 60_000 });
    const polite = await patient.spawn({ source: `export default async function main() {
      let done = false;
      sys.on("SIGTERM", async () => { await sys.fs.write("/mem/working/bye", "flushed"); done = true; });
      while (!done) await sys.fs.read("/policy/manifest.json");
      return "clean";
    }` });
    await sleep(10);
    polite.signal("SIGTERM");
    expect(await polite.wait()).toMatchObject({ status: "exited", result: "clean" });
    expect(await patient.vfs.read("/mem/working/bye")).toBe("flushed");

    const k = await kernel();
    const stubborn = await k.spawn({ source: `export default async function main() {
      sys.on("SIGTERM", () => new Promise(() => {}));
      for (;;) await sys.fs.read("/policy/manifest.json");
    }` });
    await sleep(10);
    stubborn.signal("SIGTERM");
    expect(await stubborn.wait()).toMatchObject({ status: "killed", signal: "SIGKILL" });
    const plain = await k.spawn({ source: `export default async function main() { for (;;) await sys.fs.read("/policy/manifest.json"); }` });
    await sleep(5);
    plain.signal("SIGINT");
    expect(await plain.wait()).toMatchObject({ status: "killed", signal: "SIGINT" });
  });

  it("contains crashes: exceptions, budgets, memory, stack, deadlocks; the kernel goes on", async () => {
    const k = await kernel({ limits: { sliceTicks: 300, memoryBytes: 8 * 1024 * 1024 } });
    const cases: [string, object][] = [
      [`throw new TypeError("boom")`, { status: "crashed", error: { name: "TypeError", message: "boom" } }],
      [`for (;;) {}`, { status: "killed", signal: "SIGKILL", error: { code: "EBUDGET" } }],
      [`try { for (;;) {} } catch (e) { return "caught the kill"; }`, { status: "killed", error: { code: "EBUDGET" } }],
      [`let s = "x"; for (;;) s = s + s;`, { status: "crashed", error: { name: "InternalError" } }],
      [`const f = (n) => f(n + 1) + 1; return f(0);`, { status: "crashed", error: { name: "InternalError", message: "stack overflow" } }],
      [`await new Promise(() => {});`, { status: "crashed", error: { code: "EDEADLK" } }],
      [`return await sys.tool("slow", {});`, { status: "crashed", error: { code: "ETIMEDOUT" } }],
      [`return await sys.tool("huge", {});`, { status: "crashed", error: { code: "E2BIG" } }],
    ];
    const exits = await Promise.all(cases.map(([body]) => k.run({ source: `export default async function main() { ${body} }` })));
    exits.forEach((e, i) => expect(e, cases[i]![0]).toMatchObject(cases[i]![1]));
    expect(await k.run({ source: `export default async function main() { return 42; }` })).toMatchObject({ status: "exited", result: 42 });
  });

  it("reports main's outcome through what the bootstrap captured, whatever agent code replaced", async () => {
    const k = await kernel();
    const tamper = `JSON.stringify = () => '"forged"'; JSON.parse = () => "forged"; globalThis.String = () => "forged";
      Promise.prototype.then = function () { return this; }; Promise.resolve = () => { throw new Error("forged"); };`;
    const cases: [string, unknown, object][] = [
      [`export default function main(n) { return n * 2; }`, 21, { status: "exited", result: 42 }],
      [`export default function main() { throw new RangeError("sync"); }`, null, { status: "crashed", error: { name: "RangeError", message: "sync", code: null } }],
      [`export default function main() { return { then(r) { r(7); } }; }`, null, { status: "exited", result: 7 }],
      [`export default async function main(x) { ${tamper} return { got: x }; }`, { a: [1] }, { status: "exited", result: { got: { a: [1] } } }],
      [`export default async function main() { ${tamper} const e = new Error("m"); e.code = "EX"; throw e; }`, null, { status: "crashed", error: { name: "Error", message: "m", code: "EX" } }],
      [`export default function main() { const e = new Error("m"); let n = 0; Object.defineProperty(e, "code", { get: () => (n++ === 0 ? "ECODE" : {}) }); throw e; }`, null, { status: "crashed", error: { code: "ECODE" } }],
      [`export default function main() { throw { get name() { throw 1; } }; }`, null, { status: "crashed", error: { name: "Error", message: "unreadable error", code: null } }],
      [`export default function main() { throw 0; }`, null, { status: "crashed", error: { name: "0", message: "0", code: null } }],
      [`export default function main() { const p = Promise.resolve(1); Object.defineProperty(p, "constructor", { get() { throw new TypeError("no"); } }); return p; }`, null, { status: "crashed", error: { name: "TypeError", message: "no" } }],
      [`export default async function main() { return () => 1; }`, null, { status: "exited", result: null }],
    ];
    const exits = await Promise.all(cases.map(([source, input]) => k.run({ source, input })));
    exits.forEach((e, i) => expect(e, cases[i]![0]).toMatchObject(cases[i]![2]));
  });

  it("checkpoints an agent's file system and rolls it back, restarting the agent from its entry point", async () => {
    const k = await kernel();
    const src = `export default async function main() {
      let seen = null;
      try { seen = await sys.fs.read("/mem/working/step"); } catch {}
      if (seen !== null) return { restarted: true, seen };
      await sys.fs.write("/mem/working/step", "v1");
      const id = await sys.checkpoint("before-v2");
      await sys.fs.write("/mem/working/step", "v2");
      return { id, descriptor: JSON.parse(await sys.fs.read("/state/checkpoints/" + id + ".json")).label };
    }`;
    const a = await k.spawn({ tenant: "cp", source: src });
    const first = await a.wait();
    expect(first.result).toMatchObject({ id: "cp-1", descriptor: "before-v2" });
    expect(await (await k.namespace("cp")).read("/mem/working/step")).toBe("v2");
    const again = await k.rollback(a, "cp-1");
    expect(await again.wait()).toMatchObject({ status: "exited", result: { restarted: true, seen: "v1" } });
    await expect(k.rollback(a, "cp-9")).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("gives each tenant its own memory namespace", async () => {
    const k = await kernel();
    const write = (tenant: string) => k.run({ tenant, source: `export default async function main() { await sys.fs.write("/mem/working/who", "${tenant}"); return await sys.fs.read("/mem/working/who"); }` });
    expect((await write("acme")).result).toBe("acme");
    expect((await write("globex")).result).toBe("globex");
    const peek = await k.run({ tenant: "initech", source: `export default async function main() { try { return await sys.fs.read("/mem/working/who"); } catch (e) { return e.code; } }` });
    expect(peek.result).toBe("ENOENT");
    expect(await (await k.namespace("acme")).read("/mem/working/who")).toBe("acme");
  });

  it("gives each tenant its own QuickJS module instances", async () => {
    const k = await kernel();
    await Promise.all(["acme", "acme", "globex"].map((tenant) => k.run({ tenant, source: `export default async function main() { return 1; }` })));
    await sleep(5); // isolates are freed just after their exit is reported
    const stats = k.core.poolStats();
    expect(stats.map((s) => s.tenant).sort()).toEqual(["acme", "globex"]);
    expect(stats.map(({ modules, live }) => ({ modules, live }))).toEqual([{ modules: 1, live: 0 }, { modules: 1, live: 0 }]);
  });

  it("reclaims ended agents' memory by retiring and dropping whole QuickJS instances", async () => {
    const k = await kernel({ retireModuleAfterBytes: 400_000 });
    const one = () => k.run({ tenant: "r", source: `export default async function main() { return "x".repeat(1000).length; }` });
    for (let i = 0; i < 12; i++) expect((await one()).result).toBe(1000);
    await sleep(5);
    const [stats] = k.core.poolStats();
    // Each ended agent holds ~60 KB until its instance goes; retired instances are gone.
    expect(stats).toMatchObject({ tenant: "r", live: 0 });
    expect(stats!.modules).toBeLessThanOrEqual(1);
    expect(stats!.leakedBytes).toBeLessThan(400_000);
  });

  it("keeps the newest ended agents listed, up to keepEnded; their holders still have them", async () => {
    const k = await kernel({ keepEnded: 3 });
    const ended = [];
    for (let i = 0; i < 7; i++) {
      const a = await k.spawn({ source: `export default async function main() { return ${i}; }` });
      await a.wait();
      ended.push(a);
    }
    const stopped = await k.spawn({ source: `export default async function main() { await sys.tool("pay", { amount: 6000, to: "acct-1" }); }` });
    await sleep(20);
    expect(stopped.state).toBe("stopped");
    expect(k.list().filter((a) => a.exit).map((a) => a.id)).toEqual(ended.slice(-3).map((a) => a.id));
    expect(k.list()).toContain(stopped);
    expect(k.status().map((r) => r.id).sort()).toEqual([...ended.slice(-3), stopped].map((a) => a.id).sort());
    expect(k.get(ended[0]!.id)).toBeUndefined();
    expect(ended[0]!.exit).toMatchObject({ status: "exited", result: 0 });
    await expect(kernel({ keepEnded: -1 })).rejects.toThrow(/keepEnded/);
  });

  it("lets a retired instance's memory go although its ended agents are still listed", async () => {
    const memories = liveMemories;
    const k = await kernel({ retireModuleAfterBytes: 400_000 });
    const before = memories();
    // Agents that end in the middle of a syscall (a kill, a SIGTERM, an exception) and ones that return.
    const sources = [
      `export default async function main() { return (await sys.fs.read("/mem/x")).length; }`,
      `export default async function main() { await sys.tool("pay", { amount: 1, to: "acct-666" }); }`,
      `export default async function main() { throw new Error("no"); }`,
    ];
    for (let i = 0; i < 24; i++) await k.run({ tenant: "g", source: sources[i % 3]! });
    await sleep(5);
    // 24 ended agents are still listed, and at most one instance (the current one) is still there.
    expect(k.list().filter((a) => a.exit).length).toBeGreaterThanOrEqual(24);
    expect(k.core.poolStats().find((s) => s.tenant === "g")!.modules).toBeLessThanOrEqual(1);
    expect(memories() - before).toBeLessThanOrEqual(1);
  });

  it("mounts a host directory read-only, confined under its root", async () => {
    const dir = mkdtempSync(join(tmpdir(), "acp-mount-"));
    writeFileSync(join(dir, "fact.txt"), "water is wet");
    const k = await kernel({ mounts: { "/mem/semantic": { type: "dir", path: dir, readOnly: true } } });
    const exit = await k.run({ source: `export default async function main() {
      const fact = await sys.fs.read("/mem/semantic/fact.txt");
      let up = null; try { await sys.fs.read("/mem/semantic/../../etc/passwd"); } catch (e) { up = e.code; }
      return { fact, up };
    }` });
    // "../.." canonicalizes to /etc/passwd, which no rule allows: the on-violation kill.
    expect(exit).toMatchObject({ status: "killed", signal: "SIGPOLICY", violations: [{ target: "/etc/passwd" }] });
    const ok = await k.run({ source: `export default async function main() { return await sys.fs.read("/mem/semantic/fact.txt"); }` });
    expect(ok.result).toBe("water is wet");
  });

  it("holds a host directory's maxBytes for every tenant together: one directory, one quota", async () => {
    const dir = mkdtempSync(join(tmpdir(), "acp-quota-"));
    const k = await kernel({ mounts: { "/mem/working": { type: "dir", path: dir, maxBytes: 100, durable: false } } });
    const write = (name: string, n: number) => `export default async function main() {
      try { await sys.fs.write("/mem/working/${name}", "x".repeat(${n})); return "ok"; } catch (e) { return e.code; } }`;
    expect(await k.run({ tenant: "acme", source: write("a", 80) })).toMatchObject({ status: "exited", result: "ok" });
    expect(await k.run({ tenant: "globex", source: write("b", 40) })).toMatchObject({ status: "exited", result: "ENOSPC" });
    expect(await k.run({ tenant: "globex", source: write("b", 20) })).toMatchObject({ status: "exited", result: "ok" });
    expect(readFileSync(join(dir, "a"), "utf8")).toHaveLength(80);
    await expect(kernel({ mounts: { "/mem/working": { type: "dir", path: dir, maxBytes: -1 } as never } })).rejects.toThrow(/maxBytes/);
  });

  it("resolves a relative host directory once, at create: a later chdir changes no tenant's mount", async () => {
    const base = mkdtempSync(join(tmpdir(), "acp-cwd-"));
    for (const d of ["a", "b"]) { mkdirSync(join(base, d, "data"), { recursive: true }); writeFileSync(join(base, d, "data", "f"), d); }
    const cwd = process.cwd();
    let k: Kernel;
    try {
      process.chdir(join(base, "a"));
      k = await kernel({ mounts: { "/mem/semantic": { type: "dir", path: "./data", readOnly: true } } });
      process.chdir(join(base, "b"));
    } finally {
      process.chdir(cwd);
    }
    const read = `export default async function main() { return await sys.fs.read("/mem/semantic/f"); }`;
    expect(await k.run({ source: read })).toMatchObject({ status: "exited", result: "a" });
    process.chdir(join(base, "b"));
    try {
      expect(await k.run({ tenant: "acme", source: read })).toMatchObject({ status: "exited", result: "a" });
    } finally {
      process.chdir(cwd);
    }
  });

  it("keeps the first recorder failures, and counts the rest, when agents go on after the recorder closed", async () => {
    const k = await kernel({ limits: { maxLogLines: 1000 } });
    await k.recorder.close();
    const exit = await k.run({ source: `export default async function main() { for (let i = 0; i < 300; i++) sys.log("after the end " + i); return "done"; }` });
    expect(exit.result).toBe("done");
    expect(k.core.recorderErrorCount).toBeGreaterThanOrEqual(300);
    expect(k.core.recorderErrors.length).toBe(100);
    expect(k.core.recorderErrors[0]).toMatchObject({ code: "ECLOSED" });
  });

  it("keeps no QuickJS instance alive through the recorder errors it keeps", async () => {
    const memories = liveMemories;
    const k = await kernel({ retireModuleAfterBytes: 300_000 });
    await k.recorder.close();
    const before = memories();
    // Each agent's log line fails inside its own call into the kernel, in instances that retire.
    for (let i = 0; i < 24; i++) await k.run({ tenant: "e", source: `export default async function main() { sys.log("x"); return 1; }` });
    await sleep(5);
    expect(k.core.recorderErrors.length).toBeGreaterThan(20);
    expect(memories() - before).toBeLessThanOrEqual(1);
  });

  it("records every syscall before its effect in a log that verifies, and fails closed without a recorder", async () => {
    const log = join(mkdtempSync(join(tmpdir(), "acp-log-")), "flight.log");
    const k = await kernel({ recorder: { path: log } });
    await k.run({ source: `export default async function main() { await sys.fs.write("/mem/working/x", "1"); try { await sys.fs.read("/mem/semantic/secrets/a"); } catch {} return 1; }` });
    const late = await k.spawn({ source: `export default async function main() { await new Promise((r) => r()); for (let i = 0; i < 50; i++) await sys.fs.read("/policy/manifest.json"); try { await sys.fs.write("/mem/working/late", "x"); } catch (e) { return e.code; } return "written"; }` });
    await k.recorder.close(); // the recorder goes away under a running agent
    expect(await late.wait()).toMatchObject({ status: "crashed", error: { code: "EIO" } });
    await expect(k.vfs.read("/mem/working/late")).rejects.toMatchObject({ code: "ENOENT" });
    const v = verify(log);
    expect(v.ok).toBe(true);
    const lines = readFileSync(log, "utf8").trim().split("\n").map((l) => JSON.parse(l));
    const write = lines.find((r) => r.kind === "syscall" && r.syscall === "fs.write")!;
    const done = lines.find((r) => r.kind === "complete" && r.of === write.seq)!;
    expect(write.seq).toBeLessThan(done.seq);
    expect(lines.some((r) => r.kind === "syscall" && r.effect === "deny")).toBe(true);
  });
});
