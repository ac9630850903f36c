// Operator controls from the command line: `acpc ctl` against a running kernel's control socket,
// and against a flight log recorded by one.
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { spawn } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { compile } from "../../compiler/compile.js";
import { main } from "../../compiler/cli/main.js";
import type { Io } from "../../compiler/cli/io.js";
import { loadPolicy } from "../policy/load.js";
import { Kernel } from "../kernel/create.js";
import { serveControl, type ControlServer } from "./server.js";

const POLICY = `policy ops {
  tool transfer({ amount: number, to: string })
  @id("big-transfer")
  stop tool transfer when args.amount > 1000
  allow tool transfer when args.amount <= 1000
  allow fs.read "/mem/**"
}`;

const dir = mkdtempSync(join(tmpdir(), "acp-ctl-"));
const open: { k: Kernel; c: ControlServer | null }[] = [];
afterEach(async () => { for (const { k, c } of open.splice(0)) { await c?.close(); await k.shutdown(); } });

async function kernel(log?: string) {
  const r = compile(POLICY, { filename: "ops.acp" });
  const k = await Kernel.create({ policy: await loadPolicy(r.wasm!, r.manifest!), tools: { transfer: { run: (a: { amount: number }) => `tx-${a.amount}` } }, recorder: log ? { path: log } : { memory: true } });
  const entry = { k, c: null as ControlServer | null };
  open.push(entry);
  return entry;
}

async function acpc(...argv: string[]) {
  const out: string[] = [], err: string[] = [];
  const io: Io = { out: (s) => out.push(s), err: (s) => err.push(s), color: false, cwd: dir };
  const code = await main(["ctl", ...argv], io);
  return { code, out: out.join("\n"), err: err.join("\n") };
}

const PAYER = `export default async function main() { return [await sys.tool("transfer", { amount: 50, to: "a" }), await sys.tool("transfer", { amount: 5000, to: "b" })]; }`;
const until = async (f: () => boolean) => { while (!f()) await new Promise((r) => setTimeout(r, 5)); };

describe("acpc ctl against a running kernel", () => {
  it("lists agents with the syscall waiting for review, and approves it", async () => {
    const e = await kernel();
    const sock = join(dir, "a.sock");
    e.c = await e.k.serveControl(sock);
    expect(statSync(sock).mode & 0o777).toBe(0o600); // only this user may talk to the kernel
    const payer = await e.k.spawn({ name: "payer", source: PAYER });
    await until(() => payer.pending() !== null);
    const list = await acpc("list", "--socket", sock);
    expect(list.code).toBe(0);
    expect(list.out).toMatch(/^ID\s+NAME\s+TENANT\s+STATE/);
    expect(list.out).toContain(`${payer.id}  payer`);
    expect(list.out).toMatch(/stopped .* tool\.call transfer \{"amount":5000,"to":"b"\} \(rule big-transfer\)/);
    const json = JSON.parse((await acpc("list", "--socket", sock, "--json")).out);
    expect(json.agents[0]).toMatchObject({ id: payer.id, state: "stopped", pending: { syscall: "tool.call", target: "transfer", rule: "big-transfer", args: { amount: 5000, to: "b" } } });
    const ok = await acpc("approve", "payer", "--socket", sock);
    expect(ok).toMatchObject({ code: 0 });
    expect(ok.out).toContain("approved");
    expect(await payer.wait()).toMatchObject({ status: "exited", result: ["tx-50", "tx-5000"] });
    // Nothing is waiting any more.
    expect(await acpc("approve", payer.id, "--socket", sock)).toMatchObject({ code: 1, err: expect.stringContaining("error[ENOENT]") });
  });

  it("rejects a review, and sends signals an operator may send (not the kernel's own)", async () => {
    const e = await kernel();
    const sock = join(dir, "b.sock");
    e.c = await e.k.serveControl(sock);
    const payer = await e.k.spawn({ name: "payer", source: `export default async function main() {
      try { await sys.tool("transfer", { amount: 9999, to: "x" }); } catch (err) { return err.code; }
    }` });
    await until(() => payer.pending() !== null);
    expect((await acpc("reject", payer.id, "--socket", sock)).code).toBe(0);
    expect(await payer.wait()).toMatchObject({ status: "exited", result: "EPERM", violations: [{ outcome: "rejected" }] });

    const sleeper = await e.k.spawn({ name: "sleeper", source: `export default async function main() { for (;;) await sys.fs.read("/mem/none").catch(() => 0); }`, limits: { maxSyscalls: 1e9 } });
    expect((await acpc("signal", "sleeper", "STOP", "--socket", sock)).out).toContain("now stopped");
    expect(sleeper.state).toBe("stopped");
    expect((await acpc("signal", "sleeper", "SIGCONT", "--socket", sock)).out).toContain("now running");
    expect(await acpc("signal", "sleeper", "SIGTRUST", "--socket", sock)).toMatchObject({ code: 1, err: expect.stringContaining("error[EINVAL]") });
    expect(await acpc("signal", "nobody", "SIGKILL", "--socket", sock)).toMatchObject({ code: 1, err: expect.stringContaining("error[ENOENT]") });
    expect((await acpc("signal", sleeper.id, "SIGKILL", "--socket", sock)).code).toBe(0);
    expect(await sleeper.wait()).toMatchObject({ status: "killed", signal: "SIGKILL" });
    const signals = e.k.recorder.records().filter((r) => r.kind === "signal").map((r) => `${(r as { signal: string }).signal}/${(r as { source: string }).source}`);
    expect(signals).toEqual(expect.arrayContaining(["SIGSTOP/host", "SIGCONT/host", "SIGKILL/host"]));
  });

  it("says clearly when there is no kernel to talk to, or a log is asked to act", async () => {
    expect(await acpc("list", "--socket", join(dir, "missing.sock"))).toMatchObject({ code: 2, err: expect.stringContaining("cannot reach a kernel") });
    expect(await acpc("approve", "x", "--log", join(dir, "f.log"))).toMatchObject({ code: 2, err: expect.stringContaining("read-only") });
    expect(await acpc("list")).toMatchObject({ code: 2 });
  });
});

describe("acpc ctl against a recorded log", () => {
  it("rebuilds agents, their states and pending reviews from the records", async () => {
    const log = join(dir, "flight.log");
    const e = await kernel(log);
    const payer = await e.k.spawn({ name: "payer", source: PAYER });
    const quick = await e.k.run({ name: "quick", source: `export default async function main() { return 1; }` });
    expect(quick.status).toBe("exited");
    await until(() => payer.pending() !== null);
    await new Promise((r) => setTimeout(r, 50));   // the group commit reaches the file
    const during = JSON.parse((await acpc("list", "--log", log, "--json")).out).agents;
    expect(during).toEqual(expect.arrayContaining([
      expect.objectContaining({ id: payer.id, state: "stopped", syscalls: 2, pending: expect.objectContaining({ target: "transfer", rule: "big-transfer", args: { amount: 5000, to: "b" } }) }),
      expect.objectContaining({ name: "quick", state: "exited", pending: null }),
    ]));
    payer.approve();
    await payer.wait();
    await e.k.shutdown();
    const after = await acpc("list", "--log", log);
    expect(after.code).toBe(0);
    expect(after.out).toMatch(new RegExp(`${payer.id}\\s+payer\\s+-\\s+exited\\s`));
    expect(after.out).not.toContain("tool.call transfer");
  });
});

describe("the control socket's path", () => {
  it("is not taken from a file or a live socket: only a stale socket is replaced", async () => {
    const e = await kernel();
    const file = join(dir, "notes.txt");
    writeFileSync(file, "precious");
    await expect(e.k.serveControl(file)).rejects.toThrow(/exists and is not a socket/);
    expect(readFileSync(file, "utf8")).toBe("precious");
    // Another process's socket, still served.
    const live = join(dir, "live.sock");
    const other = createServer(() => undefined);
    await new Promise<void>((r) => other.listen(live, r));
    await expect(e.k.serveControl(live)).rejects.toThrow(/served by another process/);
    await new Promise<void>((r) => { other.close(() => r()); });
    // A socket nobody serves: a process that was killed without closing it.
    const stale = join(dir, "stale.sock");
    const child = spawn(process.execPath, ["-e", `require("node:net").createServer().listen(${JSON.stringify(stale)}, () => console.log("up"))`]);
    await new Promise((r) => child.stdout.once("data", r));
    child.kill("SIGKILL");
    await new Promise((r) => child.once("exit", r));
    expect(statSync(stale).isSocket()).toBe(true);
    e.c = await e.k.serveControl(stale);
    expect((await acpc("list", "--socket", stale)).code).toBe(0);
  });
});

describe("a control client that never reads", () => {
  it("is answered only as fast as it reads: the kernel does not buffer every answer", async () => {
    let asked = 0;
    const sock = join(dir, "slow.sock");
    const server = await serveControl({ list: () => { asked++; return []; } }, sock);
    const client = createConnection(sock);
    client.pause(); // never reads
    const requests = '{"op":"list"}\n'.repeat(10_000);
    await new Promise((r) => client.once("connect", r));
    for (let i = 0; i < 20; i++) client.write(requests); // 200,000 requests, 2.8 MB
    await new Promise((r) => setTimeout(r, 1000));
    // The socket buffers hold some answers; before, all 200,000 were made and buffered (5 MB here,
    // over a gigabyte with 50 agents listed).
    expect(asked).toBeGreaterThan(0);
    expect(asked).toBeLessThan(100_000);
    // A client that then reads gets every answer, in order.
    let lines = 0;
    client.setEncoding("utf8");
    client.on("data", (d: string) => { for (const c of d) if (c === "\n") lines++; });
    client.resume();
    while (lines < 200_000) await new Promise((r) => setTimeout(r, 20));
    expect(asked).toBe(200_000);
    client.destroy();
    await server.close();
  }, 30_000);
});
