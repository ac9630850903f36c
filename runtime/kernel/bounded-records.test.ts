// What an agent's flood of refused calls may cost the host: every record holds at most 4 KiB of
// the target, the exit keeps its first 100 violations (counting the rest), and once the log is
// shipped and released and the agent is gone, nothing of the flood stays behind.
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { compile } from "../../compiler/compile.js";
import { loadPolicy } from "../policy/load.js";
import { verify } from "../recorder/verify.js";
import { Kernel } from "./create.js";
import { MAX_VIOLATIONS } from "./agent.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;
/** The host's memory: its JS heap, and what lives outside it (the log's chunks, QuickJS's linear memory). */
const hostBytes = () => { gc(); gc(); const m = process.memoryUsage(); return m.heapUsed + m.external; };
const heapBytes = () => { gc(); gc(); return process.memoryUsage().heapUsed; };

describe("bounded records", () => {
  it("3,000 denied reads of a 65,000-character path: bounded records, 100 violations kept, nothing left after release", async () => {
    const c = compile(`policy flood {\n  on violation deny\n  deny fs.read "/mem/secret/**"\n}`, { filename: "flood.acp" });
    const kernel = await Kernel.create({ policy: await loadPolicy(c.wasm!, c.manifest!), recorder: { memory: true, sealer: "inline" }, keepEnded: 0 });
    // The tenant's QuickJS instance exists before the flood, as it would in a running kernel.
    await (await kernel.spawn({ name: "warm", source: `export default async function main() { return 1; }` })).wait();
    const before = hostBytes(), heapBefore = heapBytes();
    const agent = await kernel.spawn({ name: "flood", source: `export default async function main() {
      const path = "/mem/secret/" + "p".repeat(65000);
      let denied = 0;
      for (let i = 0; i < 3000; i++) await sys.fs.read(path).catch((e) => { if (e.code === "EPERM") denied++; });
      return denied;
    }` });
    const exit = await agent.wait();
    expect(exit).toMatchObject({ status: "exited", result: 3000, violationCount: 3000 });
    expect(exit.violations).toHaveLength(MAX_VIOLATIONS);
    for (const v of exit.violations) expect(v.target.length).toBeLessThanOrEqual(1024);
    // Checked without handing each record to expect (which would keep it for the report).
    const records = kernel.recorder.records().filter((r) => r.kind === "syscall");
    expect(records.length).toBe(3000);
    expect(records.every((r) => r.kind === "syscall" && r.effect === "deny" && r.ok === false && r.errno === "EPERM" && r.targetBytes === 65012)).toBe(true);
    expect(Math.max(...kernel.recorder.lines().map((l) => Buffer.byteLength(l)))).toBeLessThan(4096 + 600);
    records.length = 0;
    // While the agent's exit is still held: within a couple of memoryBytes (32 MiB), not 400 MiB.
    expect(hostBytes() - before).toBeLessThan(2 * 32 * 1024 * 1024);
    await kernel.recorder.seal();
    kernel.recorder.release(kernel.recorder.durableSeq());
    const exitKept = exit;
    await kernel.shutdown();
    expect(verify(kernel.recorder.lines(), { after: kernel.recorder.released()!, live: true }).ok).toBe(true);
    kernel.recorder.release(kernel.recorder.durableSeq());
    expect(kernel.recorder.stats().heldBytes).toBeLessThanOrEqual(2 << 20);
    expect(exitKept.violations).toHaveLength(100);
    // What stays is the exit the test holds (100 violations of at most 1 KiB of target each).
    expect(heapBytes() - heapBefore).toBeLessThan(4 * 1024 * 1024);
  });
});
