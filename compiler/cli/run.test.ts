// `acpc run` on the examples: the exit codes and the --json line of DESIGN.md.
import { mkdtempSync, writeFileSync, copyFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { main } from "./main.js";
import type { Io } from "./io.js";
import { verify } from "../../runtime/recorder/verify.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");

async function run(argv: string[], cwd = root) {
  const out: string[] = [], err: string[] = [];
  const io: Io = { out: (s) => out.push(s), err: (s) => err.push(s), color: false, cwd };
  const code = await main(argv, io);
  return { code, out, err, last: out.length ? JSON.parse(out.at(-1)!) : null };
}

const FIN = ["--policy", "policies/finance/finance.acp", "--tools", "examples/finance-tools.js", "--role", "clerk"];

describe("acpc run", () => {
  it("exits 0 when the agent returns, with the DESIGN.md --json line", async () => {
    const r = await run(["run", "examples/finance-agent.js", ...FIN, "--input", "@examples/invoices.json", "--json"]);
    expect(r.code).toBe(0);
    expect(Object.keys(r.last)).toEqual(["status", "signal", "result", "violations", "syscalls"]);
    expect(r.last).toMatchObject({ status: "exited", signal: null, result: { paid: 2 }, violations: [] });
  });

  it("exits 137 when the policy kills the agent, and its log verifies", async () => {
    const log = join(mkdtempSync(join(tmpdir(), "acp-run-")), "rogue.log");
    const r = await run(["run", "examples/rogue-agent.js", ...FIN, "--mount", "/mem/semantic/ledger=examples/ledger:ro", "--record", log, "--json"]);
    expect(r.code).toBe(137);
    expect(r.last).toMatchObject({ status: "killed", signal: "SIGPOLICY", violations: [{ syscall: "tool.call", rule: "blocked-account", outcome: "killed" }] });
    expect(verify(log)).toMatchObject({ ok: true, closed: true });
  });

  it("exits 1 when the agent throws, 2 on usage or compile errors", async () => {
    const d = mkdtempSync(join(tmpdir(), "acp-run-"));
    writeFileSync(join(d, "throw.js"), `export default async function main() { throw new Error("nope"); }`);
    writeFileSync(join(d, "bad.acp"), `policy bad { allow tool nope }`);
    copyFileSync(join(root, "policies/finance/finance.acp"), join(d, "p.acp"));
    expect((await run(["run", "throw.js", "--policy", "p.acp"], d)).code).toBe(1);
    const bad = await run(["run", "throw.js", "--policy", "bad.acp"], d);
    expect(bad.code).toBe(2);
    expect(bad.err.join("\n")).toContain("error[E0203]");
    expect((await run(["run", "throw.js"], d)).code).toBe(2);
    expect((await run(["run", "throw.js", "--policy", "p.acp", "--input", "{oops"], d)).code).toBe(2);
    // A flight log that cannot be opened is a usage error with the reason, not an internal error.
    const unrecordable = await run(["run", "throw.js", "--policy", "p.acp", "--record", "no/such/dir/f.log"], d);
    expect(unrecordable.code).toBe(2);
    expect(unrecordable.err.join("\n")).toMatch(/--record no\/such\/dir\/f\.log: .*EIO.*ENOENT/);
    // So is a --mount the kernel refuses: a point that is not canonical or is the kernel's own, a file.
    for (const m of ["/mem/x/=.", "mem/x=.", "/tools=.", "/policy/x=.", "/mem/x=p.acp"]) {
      const refused = await run(["run", "throw.js", "--policy", "p.acp", "--mount", m], d);
      expect(refused.code, m).toBe(2);
      expect(refused.err.join("\n"), m).toContain(`--mount ${m.slice(0, m.indexOf("="))}: E`);
    }
  });

  it("refuses a --tools module that does not load as a usage error (exit 2), not an internal error", async () => {
    const d = mkdtempSync(join(tmpdir(), "acp-run-"));
    writeFileSync(join(d, "ok.js"), `export default async function main() { return 1; }`);
    writeFileSync(join(d, "p.acp"), `policy p {\n  allow fs.read "/mem/**"\n}\n`);
    writeFileSync(join(d, "syntax.js"), `export default { x: `);
    writeFileSync(join(d, "throws.js"), `throw new Error("no API key");`);
    for (const [tools, message] of [["syntax.js", /--tools: cannot load syntax\.js: /], ["throws.js", /--tools: cannot load throws\.js: no API key/], [".", /--tools: cannot load \.: /]] as const) {
      const r = await run(["run", "ok.js", "--policy", "p.acp", "--tools", tools], d);
      expect(r.code, tools).toBe(2);
      expect(r.err.join("\n"), tools).toMatch(message);
    }
  });

  it("with --json, ends with a JSON line when nothing ran: a policy that does not compile, a log or a mount refused", async () => {
    const d = mkdtempSync(join(tmpdir(), "acp-run-"));
    writeFileSync(join(d, "ok.js"), `export default async function main() { return 1; }`);
    writeFileSync(join(d, "p.acp"), `policy p {\n  allow fs.read "/mem/**"\n}\n`);
    writeFileSync(join(d, "bad.acp"), `policy p {\n  allow tool nope\n}\n`);
    const bad = await run(["run", "ok.js", "--policy", "bad.acp", "--json"], d);
    expect(bad.code).toBe(2);
    expect(bad.last).toMatchObject({ ok: false, file: "bad.acp", diagnostics: [{ code: "E0203", line: 2 }] });
    const log = await run(["run", "ok.js", "--policy", "p.acp", "--record", join(d, "no/such/dir/f.log"), "--json"], d);
    expect(log.code).toBe(2);
    expect(log.last).toMatchObject({ ok: false, error: { code: "EIO", message: expect.stringContaining("--record") } });
    const mount = await run(["run", "ok.js", "--policy", "p.acp", "--mount", "/tools=.", "--json"], d);
    expect(mount.code).toBe(2);
    expect(mount.last).toMatchObject({ ok: false, error: { code: "EACCES" } });
    const usage = await run(["run", "ok.js", "--json"], d);
    expect(usage.code).toBe(2);
    expect(usage.last).toMatchObject({ ok: false, error: { code: "usage", message: expect.stringContaining("--policy") } });
  });

  it("approves or rejects a stop-for-review as told by --review", async () => {
    const d = mkdtempSync(join(tmpdir(), "acp-run-"));
    writeFileSync(join(d, "big.js"), `export default async function main() { try { return await sys.tool("transfer", { amount: 20000, currency: "USD", to: "acct-9" }); } catch (e) { return e.code; } }`);
    const args = ["run", "big.js", "--policy", join(root, "policies/finance/finance.acp"), "--tools", join(root, "examples/finance-tools.js"), "--role", "treasurer", "--json"];
    expect((await run([...args, "--review", "approve"], d)).last.result).toMatchObject({ status: "settled", amount: 20000 });
    expect((await run([...args, "--review", "reject"], d)).last.result).toBe("EPERM");
  });
});
