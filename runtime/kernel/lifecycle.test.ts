// Agent lifecycle against a real kernel: reviews, signals, spawn and shutdown, rollback.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { kernelsFor } from "./testdata/test-kernel.js";
import { rowsFromLog } from "../control/status.js";

const POLICY = `policy t {
  tool pay({ amount: number })
  tool slow({})
  allow tool slow
  allow tool pay when args.amount <= 5000
  stop tool pay when args.amount > 5000
  allow fs.read "/mem/**"
  allow fs.write "/mem/**"
  allow checkpoint
  deny signal when target == "boss"
  allow signal
  kill spawn when target == "miner"
  allow spawn
}`;

const paid: number[] = [];
const kernel = kernelsFor(POLICY, "t.acp", { tools: { pay: { run: (a: { amount: number }) => { paid.push(a.amount); return `paid ${a.amount}`; } } } });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("agent lifecycle", () => {
  it("decides spawn and signal as the policy says; an allowed one is not available (ENOSYS)", async () => {
    const k = await kernel();
    const call = (body: string) => `export default async function main() { try { return await ${body}; } catch (e) { return e.code; } }`;
    expect(await k.run({ source: call(`sys.signal("boss", "SIGTERM")`) })).toMatchObject({ status: "exited", result: "EPERM", violations: [{ syscall: "signal", target: "boss", effect: "deny" }] });
    expect(await k.run({ source: call(`sys.signal("peer", "SIGTERM")`) })).toMatchObject({ status: "exited", result: "ENOSYS", violations: [] });
    expect(await k.run({ source: call(`sys.spawn({ name: "helper" })`) })).toMatchObject({ status: "exited", result: "ENOSYS", violations: [] });
    expect(await k.run({ source: call(`sys.spawn({ name: "miner" })`) })).toMatchObject({ status: "killed", signal: "SIGPOLICY", violations: [{ syscall: "spawn", target: "miner", effect: "kill" }] });
    const decided = k.recorder.records().filter((r) => r.kind === "syscall").map((r) => `${(r as { syscall: string }).syscall} ${(r as { effect: string }).effect}`);
    expect(decided).toEqual(["signal deny", "signal allow", "spawn allow", "spawn kill"]);
  });

  it("reviews calls stopped together one after the other; none is lost", async () => {
    const k = await kernel();
    paid.length = 0;
    const a = await k.spawn({ source: `export default async function main() {
      const rs = await Promise.allSettled([sys.tool("pay", { amount: 6000 }), sys.tool("pay", { amount: 7000 })]);
      return rs.map((r) => r.status === "fulfilled" ? r.value : r.reason.code);
    }` });
    while (!a.pending()) await sleep(2);
    expect(a.pending()).toMatchObject({ args: { amount: 6000 } });
    expect(a.approve()).toBe(true);
    while (a.pending()?.args === undefined || (a.pending()!.args as { amount: number }).amount !== 7000) await sleep(2);
    expect(a.state).toBe("stopped");
    expect(a.reject()).toBe(true);
    expect(await a.wait()).toMatchObject({ status: "exited", result: ["paid 6000", "EPERM"], violations: [{ effect: "stop", outcome: "rejected" }] });
    expect(paid).toEqual([6000]);
    const reviews = k.recorder.records().filter((r) => r.kind === "review").map((r) => (r as { verdict: string }).verdict);
    expect(reviews).toEqual(["approved", "rejected"]);
  });

  it.each(["memory", "file"])("counts the answers held for an agent stopped for review against inFlightBytes (%s recorder)", async (rec) => {
    const k = await kernel({ recorder: rec === "memory" ? { memory: true } : { path: join(mkdtempSync(join(tmpdir(), "acp-held-")), "flight.log") } });
    await k.vfs.write("/mem/working/big", "b".repeat(10_000));
    // Reads sent beside a call stopped for review are answered into the kernel's hands, 10 K each,
    // until the agent is continued: 50 of them pass the agent's 100 K of waiting calls.
    const a = await k.spawn({ limits: { inFlightBytes: 100_000 }, source: `export default async function main() {
      const ps = [sys.tool("pay", { amount: 6000 })];
      for (let i = 0; i < 50; i++) ps.push(sys.fs.read("/mem/working/big"));
      return (await Promise.all(ps)).length;
    }` });
    const exit = await Promise.race([a.wait(), sleep(3000).then(() => null)]);
    expect(exit).toMatchObject({ status: "killed", signal: "SIGKILL", error: { code: "EQUOTA" } });
    expect(exit!.error!.message).toMatch(/more than 100000 characters of calls waiting/);
  });

  it("holds main() while a call made by the module's top level waits for review", async () => {
    const k = await kernel();
    const a = await k.spawn({ source: `
      const review = sys.tool("pay", { amount: 6000 });
      export default async function main() {
        await sys.fs.write("/mem/working/main", "ran");
        return await review;
      }` });
    await sleep(50);
    expect(a.state).toBe("stopped");
    expect(a.pending()).toMatchObject({ args: { amount: 6000 } });
    await expect(k.vfs.read("/mem/working/main")).rejects.toMatchObject({ code: "ENOENT" });
    a.approve();
    expect(await a.wait()).toMatchObject({ status: "exited", result: "paid 6000" });
    expect(await k.vfs.read("/mem/working/main")).toBe("ran");
  });

  it("refuses a second agent with an id that a spawn under way has taken", async () => {
    const k = await kernel();
    const src = `export default async function main() { for (;;) await sys.fs.read("/mem/working/x").catch(() => null); }`;
    const [first, second] = await Promise.allSettled([k.spawn({ id: "job-1", source: src }), k.spawn({ id: "job-1", source: src })]);
    expect(first.status).toBe("fulfilled");
    expect(second).toMatchObject({ status: "rejected", reason: { message: "an agent with id job-1 exists" } });
    expect(k.get("job-1")).toBe((first as PromiseFulfilledResult<unknown>).value);
  });

  it("starts no agent whose spawn was under way when the kernel shut down", async () => {
    const k = await kernel();
    const spawning = k.spawn({ tenant: "acme", source: `export default async function main() { sys.log("ran"); return 1; }` });
    // Watched from the start: the refusal may come while the shutdown is still being awaited.
    const refused = expect(spawning).rejects.toThrow("the kernel is shut down");
    await k.shutdown();
    await refused;
    expect(k.list()).toEqual([]);
  });

  it("runs one copy of a rolled-back agent, however often and from whichever of its objects it is rolled back", async () => {
    const k = await kernel();
    const a = await k.spawn({ name: "worker", source: `export default async function main() {
      await sys.fs.write("/mem/working/cp", await sys.checkpoint("start"));
      for (;;) await sys.fs.read("/mem/working/cp");
    }` });
    let cp: string | undefined;
    while (!cp) { await sleep(5); cp = await k.vfs.read("/mem/working/cp").catch(() => undefined); }
    const [one, two] = await Promise.allSettled([k.rollback(a, cp), k.rollback(a, cp)]);
    expect(one.status).toBe("fulfilled");
    expect(two).toMatchObject({ status: "rejected", reason: { code: "EAGAIN" } });
    const again = await k.rollback(a, cp);
    expect((one as PromiseFulfilledResult<{ exit: unknown }>).value.exit).toMatchObject({ status: "killed" });
    expect(k.list().filter((x) => x.name === "worker" && !x.exit)).toEqual([again]);
  });

  it("an approval lets the reviewed call run but keeps an agent the host stopped stopped until SIGCONT", async () => {
    const k = await kernel();
    paid.length = 0;
    const a = await k.spawn({ source: `export default async function main() {
      const r = await sys.tool("pay", { amount: 6000 });
      await sys.fs.write("/mem/working/after", r);
      return r;
    }` });
    while (!a.pending()) await sleep(2);
    a.signal("SIGSTOP");
    a.approve();
    await sleep(50);
    expect(paid).toEqual([6000]);
    expect(a.state).toBe("stopped");
    expect(rowsFromLog(k.recorder.records()).find((r) => r.id === a.id)?.state).toBe("stopped");
    await expect(k.vfs.read("/mem/working/after")).rejects.toMatchObject({ code: "ENOENT" });
    a.signal("SIGCONT");
    expect(await a.wait()).toMatchObject({ status: "exited", result: "paid 6000" });
  });

  it("completes a tool call in the flight log when its agent ends, though the tool ignores its signal", async () => {
    const k = await kernel({ tools: { slow: { run: () => sleep(300).then(() => "late") } } });
    const a = await k.spawn({ source: `export default async function main() { return await sys.tool("slow", {}); }` });
    const called = () => k.recorder.records().find((r) => r.kind === "syscall" && r.target === "slow");
    while (!called()) await sleep(2);
    await sleep(10);
    await k.shutdown();
    expect(a.exit).toMatchObject({ status: "killed", signal: "SIGKILL" });
    expect(k.recorder.records().find((r) => r.kind === "complete" && r.of === called()!.seq)).toMatchObject({ ok: false, errno: "EIO" });
    expect(k.core.recorderErrorCount).toBe(0);
  });
});
