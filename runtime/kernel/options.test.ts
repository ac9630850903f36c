// The embedding API refuses options that would not do what they say, with a message naming the
// option, before anything is opened or any agent runs.
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { kernelsFor } from "./testdata/test-kernel.js";

const POLICY = `policy opts {
  allow fs.read "/mem/**"
}`;
const kernel = kernelsFor(POLICY, "opts.acp");
const LOOP = `export default async function main() { for (;;) {} }`;

describe("kernel options", () => {
  it("refuses limits that would bound nothing: NaN, negative, fractional, a wrapping stack size, unknown keys", async () => {
    for (const [limits, field] of [
      [{ sliceTicks: NaN }, /limits\.sliceTicks must be a whole number/],
      [{ totalTicks: Infinity }, /limits\.totalTicks/],
      [{ maxSyscalls: -1 }, /limits\.maxSyscalls/],
      [{ memoryBytes: -1 }, /limits\.memoryBytes/],
      [{ stackBytes: 0 }, /limits\.stackBytes/],
      [{ stackBytes: 2 ** 32 }, /limits\.stackBytes/],
      [{ argBytes: "10" }, /limits\.argBytes/],
      [{ memoryByte: 1 << 20 }, /limits\.memoryByte is not a limit/],
    ] as const) {
      await expect(kernel({ limits: limits as never }), JSON.stringify(limits)).rejects.toThrow(field);
    }
    const k = await kernel();
    await expect(k.spawn({ source: LOOP, limits: { sliceTicks: NaN, sliceMs: NaN } })).rejects.toThrow(/spawn limits\.sliceTicks/);
    expect(k.list()).toEqual([]);
    // A budget that still holds: the loop is killed.
    const a = await k.spawn({ source: LOOP, limits: { sliceTicks: 50 } });
    expect(await a.wait()).toMatchObject({ status: "killed", error: { code: "EBUDGET" } });
  });
});

describe("kernel numeric options", () => {
  it("refuses an agentsPerModule that no instance can satisfy (spawn opened QuickJS instances for ever)", async () => {
    for (const agentsPerModule of [0, -1, NaN, 1.5]) {
      await expect(kernel({ agentsPerModule }), String(agentsPerModule)).rejects.toThrow(/agentsPerModule must be a whole number >= 1/);
    }
    await expect(kernel({ quantumTicks: NaN })).rejects.toThrow(/quantumTicks/);
    await expect(kernel({ pipeTimeoutMs: -5 })).rejects.toThrow(/pipeTimeoutMs/);
    await expect(kernel({ termGraceMs: NaN })).rejects.toThrow(/termGraceMs/);
    await expect(kernel({ retireModuleAfterBytes: -1 })).rejects.toThrow(/retireModuleAfterBytes/);
    const k = await kernel({ agentsPerModule: 1 });
    const a = await k.spawn({ source: `export default async function main() { return 1; }` });
    expect(await a.wait()).toMatchObject({ status: "exited", result: 1 });
  });
});

describe("a refused kernel", () => {
  it("opens nothing: a bad checkpointsKept is refused before the flight log is created", async () => {
    const log = join(mkdtempSync(join(tmpdir(), "acp-opts-")), "flight.log");
    await expect(kernel({ checkpointsKept: 0, recorder: { path: log } })).rejects.toThrow(/checkpointsKept must be a whole number >= 1/);
    expect(existsSync(log)).toBe(false);
  });
});

describe("spawn options", () => {
  const BYSTANDER = `export default async function main() { for (let i = 0; i < 200; i++) await sys.fs.read("/mem/none").catch(() => 0); return "done"; }`;

  it("refuses an input that is not JSON, or no source, without touching the tenant's other agents", async () => {
    const k = await kernel();
    const bystander = await k.spawn({ name: "bystander", source: BYSTANDER });
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    for (const [o, message] of [
      [{ input: () => 1 }, /spawn input must be JSON, not function/],
      [{ input: Symbol("x") }, /spawn input must be JSON, not symbol/],
      [{ input: circular }, /spawn input must be JSON: .*circular/i],
      [{ input: 10n }, /spawn input must be JSON: .*BigInt/],
      [{ source: undefined }, /spawn source must be a string/],
    ] as const) {
      await expect(k.spawn({ source: `export default async function main(i) { return i; }`, ...o } as never), String(message)).rejects.toThrow(message);
    }
    // Nothing was spawned, and the neighbour's QuickJS instance was not taken for aborted.
    expect(k.list().map((a) => a.name)).toEqual(["bystander"]);
    expect(await bystander.wait()).toMatchObject({ status: "exited", result: "done" });
  });

  it("refuses names, tenants and labels that are not strings, rather than have the policy kill the agent", async () => {
    const k = await kernel();
    for (const [o, message] of [
      [{ name: 42 }, /spawn name must be a string, not number/],
      [{ tenant: 5 }, /spawn tenant must be a string/],
      [{ role: { x: 1 } }, /spawn role must be a string/],
      [{ id: "a\ud800" }, /spawn id holds a lone surrogate/],
      [{ labels: { team: 1 } }, /spawn labels\["team"\] must be a string/],
      [{ labels: ["a"] }, /spawn labels must be an object/],
      [{ priority: NaN }, /spawn priority must be a number/],
    ] as const) {
      await expect(k.spawn({ source: BYSTANDER, ...o } as never), String(message)).rejects.toThrow(message);
    }
    expect(k.list()).toEqual([]);
    const a = await k.spawn({ source: `export default async function main(i) { return i; }`, input: { n: 1 }, labels: { team: "a" } });
    expect(await a.wait()).toMatchObject({ status: "exited", result: { n: 1 } });
  });
});
