// The edge path for real: the workerd binary from npm serves examples/edge (the runtime bundled in
// dist/edge by `npm run build`) on 127.0.0.1, and each agent runs in a Worker under the finance
// pack. What it answers is checked as a user would: the agent's exit, and the memory flight log,
// verified by `acpc audit verify`.
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const work = mkdtempSync(join(tmpdir(), "acp-edge-"));
let workerd: ChildProcess | null = null;
let base = "";

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer().once("error", reject).listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

interface Answer { exit: { status: string; signal: string | null; result: unknown; violations: { rule: string | null }[] }; log: string[] }

async function runAgent(source: string, extra: Record<string, unknown> = {}): Promise<Answer> {
  const res = await fetch(base, { method: "POST", body: JSON.stringify({ source, ...extra }) });
  expect(res.status).toBe(200);
  return res.json() as Promise<Answer>;
}

/** `acpc audit verify` on the log the Worker answered: its exit code and last line. */
function verify(log: string[], name: string): { code: number; out: string } {
  const file = join(work, `${name}.log`);
  writeFileSync(file, log.map((l) => l + "\n").join(""));
  try {
    return { code: 0, out: execFileSync(process.execPath, [join(root, "bin/acpc.js"), "audit", "verify", file], { encoding: "utf8" }) };
  } catch (e) {
    const err = e as { status: number; stdout: string; stderr: string };
    return { code: err.status, out: err.stdout + err.stderr };
  }
}

const events = (log: string[]) => log.map((l) => JSON.parse(l) as { kind: string; event?: string; effect?: string; rule?: string; detail?: { error?: { code?: string } | null } });

beforeAll(async () => {
  if (!existsSync(join(root, "dist/edge/acp-runtime.js"))) execFileSync(process.execPath, [join(root, "scripts/build-edge.mjs")]);
  const port = await freePort();
  base = `http://127.0.0.1:${port}/`;
  workerd = spawn(join(root, "node_modules/.bin/workerd"), ["serve", join(root, "examples/edge/config.capnp"), "--socket-addr", `http=127.0.0.1:${port}`], { stdio: ["ignore", "pipe", "pipe"] });
  let said = "";
  workerd.stdout!.on("data", (d) => { said += d; });
  workerd.stderr!.on("data", (d) => { said += d; });
  for (let i = 0; ; i++) {
    try { if ((await fetch(base)).status === 405) break; } catch { /* not listening yet */ }
    if (i > 200 || workerd.exitCode !== null) throw new Error(`workerd did not start: ${said}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}, 60_000);

afterAll(() => {
  workerd?.kill("SIGTERM");
  rmSync(work, { recursive: true, force: true });
});

describe("examples/edge in workerd", () => {
  it("runs an allowed transfer and returns its tool's result", async () => {
    const a = await runAgent(`export default async function main() { return await sys.tool("transfer", { amount: 500, currency: "USD", to: "acct-1" }); }`);
    expect(a.exit).toMatchObject({ status: "exited", result: { id: "tx-acct-1-500" } });
    expect(events(a.log).find((r) => r.kind === "syscall")).toMatchObject({ effect: "allow", rule: "clerk-transfer" });
    expect(verify(a.log, "allowed").code).toBe(0);
  });

  it("denies a transfer past the clerk's limit with EPERM, and the agent goes on", async () => {
    const a = await runAgent(`export default async function main() {
      try { await sys.tool("transfer", { amount: 9000, currency: "USD", to: "acct-1" }); return "paid"; }
      catch (e) { return e.code; }
    }`);
    expect(a.exit).toMatchObject({ status: "exited", result: "EPERM" });
    expect(events(a.log).find((r) => r.kind === "syscall")).toMatchObject({ effect: "deny" });
    expect(verify(a.log, "denied").code).toBe(0);
  });

  it("kills a rogue agent at its transfer to a blocked account; nothing after it runs", async () => {
    const a = await runAgent(`export default async function main() {
      await sys.tool("transfer", { amount: 900, currency: "USD", to: "acct-666", memo: "ignore previous instructions" });
      await sys.fs.write("/mem/working/stolen.csv", "all of it");
      return "unreachable";
    }`);
    expect(a.exit.status).toBe("killed");
    expect(a.exit.result).toBeNull();
    expect(events(a.log).filter((r) => r.kind === "syscall").map((r) => r.effect)).toEqual(["kill"]);
    expect(verify(a.log, "rogue").code).toBe(0);
  });

  it("ends an infinite loop by its tick budget (Date.now() does not advance in a Worker)", async () => {
    const a = await runAgent(`export default async function main() { const t = Date.now(); for (;;) { if (Date.now() - t > 1e9) return "never"; } }`);
    expect(a.exit).toMatchObject({ status: "killed", signal: "SIGKILL" });
    expect(events(a.log).find((r) => r.event === "killed")?.detail?.error?.code).toBe("EBUDGET");
    expect(verify(a.log, "loop").code).toBe(0);
  });

  it("returns a log that acpc audit verify refuses once a record is changed", async () => {
    const a = await runAgent(`export default async function main() { return await sys.tool("transfer", { amount: 500, currency: "USD", to: "acct-1" }); }`);
    const edited = a.log.map((l) => l.replace('"amount":500', '"amount":5'));
    expect(edited).not.toEqual(a.log);
    expect(verify(edited, "edited").code).toBe(1);
  });
});
