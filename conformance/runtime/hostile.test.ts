// The hostile-agent conformance suite: one test per file in ./agents (adding an agent needs no
// code here). All agents run in one kernel under ./policy.acp, beside a bystander agent that keeps
// doing allowed syscalls from the first test to the last. After each hostile agent:
//   - its exit matches the subset on its `// expect:` line;
//   - a fresh canary agent still runs, calls a tool, reads what the case names in `// files:`,
//     and sees an unpolluted world (the kernel is healthy);
//   - the bystander is still running and its counter kept advancing, and a neighbour agent of the
//     same tenant (spawned just before the hostile one) is still running and stops cleanly;
//   - no effect happened without a durable `allow` record before it, `exfiltrate` never ran, the
//     host's Object.prototype is clean, and every syscall the agent attempted is in the flight log.
// At the end the bystander is stopped with SIGTERM and the flight log must verify.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AGENTS_DIR, HOSTILE_LIMITS, HostileKernel, loadAgentCases, mismatches, type Agent, type AgentCase, type AgentExit } from "./harness.js";

const cases = loadAgentCases(AGENTS_DIR);

const BYSTANDER = `export default async function main() {
  let stop = false, n = 0;
  sys.on("SIGTERM", () => { stop = true; });
  while (!stop) {
    n++;
    await sys.fs.write("/mem/working/bystander/counter", String(n));
    const back = await sys.fs.read("/mem/working/bystander/counter");
    if (back !== String(n)) throw new Error("the bystander read back " + back + " after writing " + n);
  }
  return { n };
}`;

const CANARY = `export default async function main(input) {
  const echo = await sys.tool("echo", { value: input.token });
  const files = {};
  for (const p of input.paths) {
    try { files[p] = { content: await sys.fs.read(p) }; } catch (e) { files[p] = { errno: e.code }; }
  }
  return { echo, files, polluted: typeof ({}).polluted, proto: Object.getOwnPropertyNames(Object.prototype).length, sys: Object.isFrozen(sys) };
}`;

/** A co-tenant of each hostile agent (same tenant, so the same QuickJS instance): it must outlive the hostile agent. */
const NEIGHBOUR = `export default async function main(input) {
  let stop = false, n = 0;
  sys.on("SIGTERM", () => { stop = true; });
  while (!stop) { n++; await sys.fs.write(input.path, String(n)); }
  return { n };
}`;

const HOSTILE_TENANT = "hostile";
const AGENT_TIMEOUT_MS = 4_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// The whole suite runs twice: with a file recorder (every effect waits for its record's fsync)
// and with a memory recorder (memory file syscalls are answered inside the agent's own call).
for (const recorder of ["file", "memory"] as const) hostileSuite(recorder);

function hostileSuite(recorder: "file" | "memory"): void {
  let kernel: HostileKernel;
  let bystander: Agent;
  const protoKeys = Object.getOwnPropertyNames(Object.prototype).sort();
  let canaryProtoCount = -1;

  async function counter(): Promise<number> {
    return Number(await kernel.readFile("/mem/working/bystander/counter")) || 0;
  }

  /** Runs one agent to its end, playing the operator and the signals its case asks for. */
  async function drive(agent: Agent, c: AgentCase): Promise<{ exit: AgentExit; timedOut: boolean }> {
    const started = performance.now();
    let signalled = false;
    let timedOut = false;
    let done = false;
    const exitP = agent.wait().then((e) => { done = true; return e; });
    while (!done) {
      const elapsed = performance.now() - started;
      if (elapsed > AGENT_TIMEOUT_MS) { timedOut = true; agent.signal("SIGKILL"); break; }
      if (agent.pending() && c.operator !== "wait") { if (c.operator === "approve") agent.approve(); else agent.reject(); }
      const plan = c.signal;
      if (plan && !signalled) {
        const ready = plan.when === "pending" ? agent.pending() !== null
          : plan.when !== undefined ? (await kernel.readFile(plan.when)) !== null
          : elapsed >= (plan.afterMs ?? 0);
        if (ready) { signalled = true; agent.signal(plan.signal); }
      }
      await Promise.race([exitP, sleep(2)]);
    }
    return { exit: await exitP, timedOut };
  }

  describe(`hostile agents (${recorder} recorder)`, () => {
    beforeAll(async () => {
      kernel = await HostileKernel.start(recorder);
      bystander = await kernel.spawn({ source: BYSTANDER, name: "bystander", tenant: "bystander", limits: { maxSyscalls: 1e9, totalTicks: 1e9 } });
      const t0 = performance.now();
      while ((await counter()) < 3) {
        if (performance.now() - t0 > 5000) throw new Error(`the bystander does not run: ${JSON.stringify(bystander.exit)}`);
        await sleep(5);
      }
    });

    afterAll(() => kernel?.cleanup());

    it("has at least 60 hostile agents, each with an expect line and a title", () => {
      expect(cases.length).toBeGreaterThanOrEqual(60);
      for (const c of cases) {
        expect(Object.keys(c.expect).length, c.name).toBeGreaterThan(0);
        expect(["exited", "crashed", "killed"], c.name).toContain(c.expect.status);
      }
    });

    for (const c of cases) {
      it(`${c.name}: ${c.title}`, async () => {
        const before = await counter();
        const faultsBefore = kernel.faults.length;
        const neighbourPath = `/mem/working/neighbours/${c.name}`;
        const neighbour = await kernel.spawn({ source: NEIGHBOUR, name: `neighbour-${c.name}`, tenant: HOSTILE_TENANT, input: { path: neighbourPath }, limits: { maxSyscalls: 1e9, totalTicks: 1e9 } });
        for (const t0 = performance.now(); (await kernel.readFile(neighbourPath)) === null && !neighbour.exit && performance.now() - t0 < 3000;) await sleep(1);
        const memBefore = kernel.instanceBytes(HOSTILE_TENANT);
        const agent = await kernel.spawn({ source: c.source, name: c.name, role: "hostile", tenant: HOSTILE_TENANT, input: c.input ?? null, limits: c.limits });
        const { exit, timedOut } = await drive(agent, c);
        // Its heap limit held in bytes: its instance grew by at most the limit and the one growth step
        // the glue takes at once (a fifth of the instance). QuickJS alone let a 16 MiB agent grow it to 2 GB.
        const limit = c.limits?.memoryBytes ?? HOSTILE_LIMITS.memoryBytes!;
        expect(kernel.instanceBytes(HOSTILE_TENANT) - memBefore, "bytes the agent's instance grew by").toBeLessThanOrEqual(2 * limit + memBefore / 5 + (1 << 20));
        expect(timedOut ? `${c.name} did not end within ${AGENT_TIMEOUT_MS} ms (the runner sent SIGKILL)` : "ended").toBe("ended");
        expect(mismatches(c.expect, exit), JSON.stringify(exit).slice(0, 2000)).toEqual([]);

        // The kernel is healthy: a fresh agent of the same tenant runs, and sees what it should.
        const token = `canary-${c.name}`;
        const paths = Object.keys(c.files ?? {});
        const canary = await kernel.spawn({ source: CANARY, name: `canary-${c.name}`, role: "auditor", tenant: HOSTILE_TENANT, input: { token, paths } });
        const cexit = await canary.wait();
        expect(cexit.status, JSON.stringify(cexit)).toBe("exited");
        const r = cexit.result as { echo: string; files: Record<string, { content?: string; errno?: string }>; polluted: string; proto: number; sys: boolean };
        expect(r.echo).toBe(token);
        expect(r.polluted).toBe("undefined");
        expect(r.sys).toBe(true);
        if (canaryProtoCount < 0) canaryProtoCount = r.proto;
        expect(r.proto).toBe(canaryProtoCount);
        for (const [p, want] of Object.entries(c.files ?? {})) {
          expect(r.files[p], `file ${p}`).toEqual(want === null ? { errno: "ENOENT" } : { content: want });
        }

        // The bystander kept running through it all.
        expect(bystander.state, JSON.stringify(bystander.exit)).toBe("running");
        const t0 = performance.now();
        while ((await counter()) <= before && performance.now() - t0 < 3000) await sleep(5);
        expect(await counter()).toBeGreaterThan(before);

        // So did the hostile agent's neighbour in its own tenant (and QuickJS instance); it stops cleanly.
        expect(neighbour.state, `neighbour: ${JSON.stringify(neighbour.exit)}`).toBe("running");
        neighbour.signal("SIGTERM");
        const nexit = await neighbour.wait();
        expect(nexit.status, JSON.stringify(nexit)).toBe("exited");
        expect(nexit.result).toEqual({ n: Number(await kernel.readFile(neighbourPath)) });

        // What the host watched: record before effect, no exfiltration, a clean host prototype.
        expect(kernel.faults.slice(faultsBefore)).toEqual([]);
        expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(protoKeys);
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();

        // Every syscall the agent attempted is in the flight log (the one refused for quota aside).
        const recorded = kernel.records().filter((x) => x.kind === "syscall" && x.agent?.id === agent.id).length;
        const quota = exit.error?.code === "EQUOTA" ? 1 : 0;
        expect(recorded, "syscall records of this agent").toBe(exit.syscalls - quota);
        // And sys.log lines beyond maxLogLines were not recorded.
        expect(kernel.logLines(agent.id)).toBeLessThanOrEqual((c.limits?.maxLogLines ?? HOSTILE_LIMITS.maxLogLines)!);
        expect(kernel.recorderErrors()).toEqual([]);
      });
    }

    it("the bystander ran through the whole suite, stops on SIGTERM, and the flight log verifies", async () => {
      expect(bystander.state).toBe("running");
      bystander.signal("SIGTERM");
      const exit = await bystander.wait();
      const n = await counter();
      expect(exit.status, JSON.stringify(exit)).toBe("exited");
      expect(exit.result).toEqual({ n });
      expect(n).toBeGreaterThan(cases.length);
      expect(exit.violations).toEqual([]);
      const verdict = await kernel.shutdown();
      expect(verdict.firstBad).toBeNull();
      expect(verdict.ok).toBe(true);
      expect(verdict.closed).toBe(true);
      const records = kernel.records();
      expect(verdict.records).toBe(records.length);
      // The exfiltrate tool never ran, and every call to it in the log was decided kill.
      expect(kernel.exfiltrated).toEqual([]);
      const exfil = records.filter((x) => x.kind === "syscall" && x.target === "exfiltrate");
      expect(exfil.length).toBeGreaterThan(0);
      expect(exfil.every((x) => x.effect === "kill")).toBe(true);
    });
  });
}
