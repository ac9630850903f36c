// The README's main job: `npm start` runs the demo on the embedded defaults and ends verified.
import { execFile, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { demo } from "./main.js";

const root = resolve(import.meta.dirname, "../..");
const acpc = (...args: string[]) => promisify(execFile)("node", [join(root, "bin/acpc.js"), ...args], { cwd: root }).catch((e) => e as { stdout: string; stderr: string; code: number });

describe("npm start demo", () => {
  it("runs every scene to the outcome the README shows, and its flight log verifies", async () => {
    const { ok, exits } = await demo();
    expect(exits.payments).toMatchObject({ status: "exited", result: ["tx-1", "tx-2", "tx-3", "tx-4"] });
    expect(exits.rogue).toMatchObject({ status: "killed", signal: "SIGPOLICY", violations: [{ syscall: "net.fetch", rule: "no-unknown-hosts" }] });
    expect(exits.writer!.result).toEqual(Array.from({ length: 8 }, (_, i) => `finding ${i + 1}`));
    expect(ok).toBe(true);
  });

  it("waits for a real operator: `acpc demo --review operator` is approved by `acpc ctl` from another process", async () => {
    const dir = mkdtempSync(join(tmpdir(), "acp-demo-ctl-"));
    const sock = join(dir, "control.sock");
    const child = spawn("node", [join(root, "bin/acpc.js"), "demo", "--control", sock, "--review", "operator", "--log", join(dir, "flight.log")], { cwd: root });
    let out = "";
    child.stdout.on("data", (d) => { out += d; });
    const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
    try {
      let payments: { id: string; state: string; pending: { target: string; args: unknown } | null } | undefined;
      for (let i = 0; i < 400 && !payments?.pending; i++) {
        await new Promise((r) => setTimeout(r, 25));
        if (!out.includes("operator control socket")) continue;
        const r = await acpc("ctl", "list", "--socket", sock, "--json");
        if (r.stdout) payments = (JSON.parse(r.stdout).agents as (typeof payments & { name: string })[]).find((a) => a!.name === "payments");
      }
      expect(payments).toMatchObject({ state: "stopped", pending: { target: "transfer", args: { amount: 5000 } } });
      expect(out).toContain(`npx acpc ctl approve ${payments!.id} --socket ${sock}`);
      const approved = await acpc("ctl", "approve", payments!.id, "--socket", sock);
      expect(approved.stdout).toContain("approved");
      expect(await exited).toBe(0);
      expect(out).toContain("the operator decided");
      expect(out).toContain("demo ok");
      // Afterwards, the recorded log tells the same story.
      const fromLog = JSON.parse((await acpc("ctl", "list", "--log", join(dir, "flight.log"), "--json")).stdout).agents;
      expect(fromLog.find((a: { name: string }) => a.name === "payments")).toMatchObject({ state: "exited", pending: null });
      expect(fromLog.find((a: { name: string }) => a.name === "rogue")).toMatchObject({ state: "killed", ended: "SIGPOLICY" });
    } finally {
      child.kill("SIGKILL");
    }
  }, 30_000);
});
