// Signed bundles from the command line, as a user runs them: acpc keygen, build, inspect, run
// --trust, and acpc serve taking a new signed bundle while it answers.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const ACPC = join(root, "bin/acpc.js");
const acpc = (args: string[], cwd: string) => spawnSync(process.execPath, [ACPC, ...args], { cwd, encoding: "utf8" });

const POLICY = (limit: number) => `policy shop {
  on violation deny
  tool buy({ item: string, price: number })
  @id("cheap") allow tool buy when args.price <= ${limit}
  allow fs.read "/mem/**"
}
`;

const running: ChildProcess[] = [];
afterEach(() => { for (const c of running.splice(0)) if (c.exitCode === null) c.kill("SIGKILL"); });

function workspace(): string {
  const dir = mkdtempSync(join(tmpdir(), "acp-bundle-cli-"));
  writeFileSync(join(dir, "shop.acp"), POLICY(100));
  writeFileSync(join(dir, "agent.js"), `export default async function main() { return await sys.tool("buy", { item: "pen", price: 5 }).then(() => "bought", (e) => e.code); }`);
  writeFileSync(join(dir, "tools.js"), `export default { buy: { run: async () => "ok" } };`);
  for (const name of ["ci", "mallory"]) expect(acpc(["keygen", "-o", name], dir).status).toBe(0);
  return dir;
}

describe("acpc build, inspect and --trust", () => {
  it("builds a signed bundle that inspect names the signer of, and runs it only under a trusted key", () => {
    const dir = workspace();
    const built = acpc(["build", "shop.acp", "-o", "shop.bundle", "--sign-key", "ci.pem", "--json"], dir);
    expect(built.status).toBe(0);
    const kid = JSON.parse(built.stdout.trim().split("\n").at(-1)!).kid as string;
    expect(kid).toMatch(/^[0-9a-f]{16}$/);

    const inspected = acpc(["inspect", "shop.bundle", "--trust", "ci.pub", "--json"], dir);
    expect(inspected.status).toBe(0);
    expect(JSON.parse(inspected.stdout)).toMatchObject({ ok: true, format: "acp-bundle/1", policy: "shop", kid, signature: "verified" });
    expect(acpc(["inspect", "shop.bundle"], dir).stdout).toContain(`signer: key ${kid}`);

    const run = (trust: string[], policy = "shop.bundle") => acpc(["run", "agent.js", "--policy", policy, "--tools", "tools.js", ...trust.flatMap((t) => ["--trust", t]), "--json"], dir);
    const ok = run(["ci.pub"]);
    expect(ok.status).toBe(0);
    expect(JSON.parse(ok.stdout.trim().split("\n").at(-1)!)).toMatchObject({ status: "exited", result: "bought" });
    // Another key, no signature, or a changed byte: refused before any agent runs (exit 2, the code named).
    const wrong = run(["mallory.pub"]);
    expect(wrong.status).toBe(2);
    expect(wrong.stderr).toContain("E1012");
    expect(acpc(["build", "shop.acp", "-o", "unsigned.bundle"], dir).status).toBe(0);
    expect(run(["ci.pub"], "unsigned.bundle").stderr).toContain("E1011");
    const bytes = readFileSync(join(dir, "shop.bundle"));
    bytes[bytes.length - 3] ^= 0x01;
    writeFileSync(join(dir, "tampered.bundle"), bytes);
    const tampered = run(["ci.pub"], "tampered.bundle");
    expect(tampered.status).toBe(2);
    expect(tampered.stderr).toMatch(/E101[03]/);
    expect(acpc(["inspect", "tampered.bundle", "--trust", "ci.pub"], dir).status).toBe(1);
  });

  it("acpc serve reloads a new signed bundle without dropping a request, and refuses one signed by another key", async () => {
    const dir = workspace();
    expect(acpc(["build", "shop.acp", "-o", "shop.bundle", "--sign-key", "ci.pem"], dir).status).toBe(0);
    const child = spawn(process.execPath, [ACPC, "serve", "shop.bundle", "--trust", "ci.pub", "--listen", "127.0.0.1:0", "--json"], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
    running.push(child);
    let err = "";
    child.stderr!.on("data", (c) => { err += c; });
    const url = await new Promise<string>((resolve, reject) => {
      let out = "";
      child.stdout!.on("data", (c) => { out += c; if (out.includes("\n")) resolve((JSON.parse(out.split("\n")[0]!) as { listening: string }).listening); });
      child.on("exit", (code) => reject(new Error(`acpc serve exited ${code}: ${err}`)));
    });
    const decide = async (price: number) => {
      const r = await fetch(`${url}/v1/decide`, { method: "POST", body: JSON.stringify({ agent: { role: "clerk" }, syscall: "tool.call", target: "buy", args: { item: "pen", price } }) });
      expect(r.status).toBe(200);
      return ((await r.json()) as { effect: string }).effect;
    };
    expect(await decide(150)).toBe("deny");
    // Requests keep coming while the file is replaced.
    let stop = false, answered = 0;
    const load = (async () => { while (!stop) { await decide(5); answered++; } })();
    const replace = (limit: number, key: string) => {
      writeFileSync(join(dir, "shop.acp"), POLICY(limit));
      expect(acpc(["build", "shop.acp", "-o", "next.bundle", "--sign-key", key], dir).status).toBe(0);
      renameSync(join(dir, "next.bundle"), join(dir, "shop.bundle"));
    };
    replace(200, "mallory.pem");
    const until = async (what: () => boolean) => { for (let i = 0; i < 400 && !what(); i++) await new Promise((r) => setTimeout(r, 25)); };
    await until(() => /reload.*failed/.test(err));
    expect(err).toMatch(/E1012/);
    expect(await decide(150)).toBe("deny");
    replace(200, "ci.pem");
    await until(() => /reloaded/.test(err));
    expect(await decide(150)).toBe("allow");
    stop = true;
    await load;
    expect(answered).toBeGreaterThan(0);
    child.kill("SIGTERM");
  }, 60_000);
});
