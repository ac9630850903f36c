// Checkpoint and rollback: a checkpoint holds the tenant's file system (copy-on-write) and the
// agent's pipe positions; a rollback puts back what the agent changed since, and restarts it.
import { describe, expect, it } from "vitest";
import type { Kernel } from "./create.js";
import { kernelsFor } from "./testdata/test-kernel.js";

const POLICY = `policy cp {
  type Item = { n: number }
  pipe items: producer -> consumer carries Item capacity 8
  allow pipe.send items when agent.name == "producer"
  allow pipe.recv items when agent.name == "consumer"
  allow fs.read "/mem/**"
  allow fs.write "/mem/working/**"
  allow fs.delete "/mem/working/**"
  allow fs.list "/mem/working"
  allow fs.list "/state/checkpoints"
  allow fs.read "/state/**"
  allow checkpoint
}`;

const kernel = kernelsFor(POLICY, "cp.acp", { pipeTimeoutMs: 1000 });

// Writes, checkpoints, writes more, then crashes; restarted, it reports what it finds.
const WORKER = `export default async function main() {
  const checkpoints = await sys.fs.list("/state/checkpoints");
  if (checkpoints.length > 0) return { restarted: true, a: await sys.fs.read("/mem/working/a.txt"), files: await sys.fs.list("/mem/working") };
  await sys.fs.write("/mem/working/a.txt", "v1");
  await sys.fs.write("/mem/working/old.txt", "keep me");
  await sys.checkpoint("before-v2");
  await sys.fs.write("/mem/working/a.txt", "v2");
  await sys.fs.write("/mem/working/b.txt", "half done");
  await sys.fs.remove("/mem/working/old.txt");
  for (;;) { try { await sys.fs.read("/mem/working/go"); break; } catch {} }   // waits for the test
  throw new Error("crashed half-way");
}`;

async function crashAfterBystander(k: Kernel) {
  const ns = await k.namespace("t");
  const a = await k.spawn({ name: "worker", tenant: "t", source: WORKER });
  while (!(await ns.stat("/mem/working/b.txt"))) await new Promise((r) => setTimeout(r, 5));
  // Another agent of the same tenant changes a file after the checkpoint.
  await k.run({ name: "bystander", tenant: "t", source: `export default async function main() { await sys.fs.write("/mem/working/c.txt", "other agent"); }` });
  await ns.write("/mem/working/go", "go");
  expect(await a.wait()).toMatchObject({ status: "crashed", error: { message: "crashed half-way" } });
  return { a, ns };
}

const shared = kernelsFor(`policy shared {
  type Item = { n: number }
  pipe jobs: producer -> consumer carries Item capacity 8
  allow pipe.send jobs
  allow pipe.recv jobs
  allow fs.read "/mem/**"
  allow fs.write "/mem/working/**"
  allow checkpoint
}`, "shared.acp", { pipeTimeoutMs: 300 });

// Checkpoints, makes its pipe move, then waits for /mem/working/go and crashes; restarted, it returns.
const ROLLED = (move: string) => `export default async function main() {
  try { await sys.fs.read("/mem/working/restarted"); return "restarted"; } catch {}
  await sys.checkpoint("c");
  ${move}
  for (;;) { try { await sys.fs.read("/mem/working/go"); break; } catch {} }
  throw new Error("crashed");
}`;

describe("checkpoint and rollback, with other agents on the same pipe", () => {
  it("withdraw only the rolled-back sender's messages: another sender's stay queued", async () => {
    const k = await shared();
    const a = await k.spawn({ name: "producer", source: ROLLED(`await sys.pipe.send("jobs", { n: 1 }); await sys.fs.write("/mem/working/sent", "1");`) });
    while (!(await k.vfs.stat("/mem/working/sent"))) await new Promise((r) => setTimeout(r, 5));
    expect(await k.run({ name: "helper", source: `export default async function main() { await sys.pipe.send("jobs", { n: 99 }); return "sent"; }` })).toMatchObject({ result: "sent" });
    await k.vfs.write("/mem/working/go", "go");
    await a.wait();
    await k.vfs.write("/mem/working/restarted", "yes");
    const again = await k.rollback(a, "cp-1");
    expect(again.restoredFrom!.pipes).toEqual({ jobs: { withdrawn: 1, delivered: 0 } });
    await again.wait();
    // The helper's message was not withdrawn with the producer's.
    expect(await k.run({ name: "consumer", source: `export default async function main() { return (await sys.pipe.recv("jobs")).n; }` })).toMatchObject({ result: 99 });
  });

  it("hand out again only what the rolled-back reader received: another reader's message is not delivered twice", async () => {
    const k = await shared();
    const r1 = await k.spawn({ name: "consumer", source: ROLLED(``) });
    while (!(await k.vfs.stat("/state/checkpoints/cp-1.json"))) await new Promise((r) => setTimeout(r, 5));
    await k.run({ name: "producer", source: `export default async function main() { await sys.pipe.send("jobs", { n: 42 }); }` });
    expect(await k.run({ name: "consumer", source: `export default async function main() { return (await sys.pipe.recv("jobs")).n; }` })).toMatchObject({ result: 42 });
    await k.vfs.write("/mem/working/go", "go");
    await r1.wait();
    await k.vfs.write("/mem/working/restarted", "yes");
    const again = await k.rollback(r1, "cp-1");
    expect(again.restoredFrom!.pipes).toEqual({ jobs: { redelivered: 0 } });
    expect(await k.run({ name: "consumer", source: `export default async function main() { try { return (await sys.pipe.recv("jobs")).n; } catch (e) { return e.code; } }` })).toMatchObject({ result: "ETIMEDOUT" });
  });
});

describe("checkpoint and rollback", () => {
  it("undo only the agent's own changes since the checkpoint, then restart it from its entry point", async () => {
    const k = await kernel();
    const { a, ns } = await crashAfterBystander(k);
    const again = await k.rollback(a, "cp-1");
    expect(again.restoredFrom).toMatchObject({ checkpoint: "cp-1", label: "before-v2", scope: "agent", restored: ["/mem/working/a.txt", "/mem/working/old.txt"], removed: ["/mem/working/b.txt"], unrestorable: [] });
    expect(await again.wait()).toMatchObject({ status: "exited", result: { restarted: true, a: "v1", files: ["a.txt", "c.txt", "go", "old.txt"] } });
    expect(await ns.read("/mem/working/c.txt")).toBe("other agent");
    // The restarted agent continues the old one: the checkpoint is still its own.
    expect(again.id).not.toBe(a.id);
    await expect(k.rollback(again, "cp-1")).resolves.toBeDefined();
    await expect(k.rollback(a, "cp-9")).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("restore the whole tenant file system with scope tenant", async () => {
    const k = await kernel();
    const { a, ns } = await crashAfterBystander(k);
    const again = await k.rollback(a, "cp-1", { scope: "tenant" });
    expect((await again.wait()).result).toMatchObject({ restarted: true, a: "v1", files: ["a.txt", "old.txt"] });
    await expect(ns.read("/mem/working/c.txt")).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("leave /state/checkpoints out of snapshots: a descriptor written later copies nothing for them", async () => {
    const k = await kernel();
    for (let i = 0; i < 3; i++) await k.run({ name: `a${i}`, tenant: "t", source: `export default async function main() { await sys.fs.write("/mem/working/x", "1"); return await sys.checkpoint("c"); }` });
    const core = k.core as unknown as { checkpoints: Map<string, { snapshot: Map<string, unknown> }> };
    expect(core.checkpoints.size).toBe(3);
    for (const cp of core.checkpoints.values()) {
      expect([...cp.snapshot.keys()]).toContain("/mem/working");
      expect([...cp.snapshot.keys()]).not.toContain("/state/checkpoints");
    }
    // The descriptors are all there all the same.
    expect(await (await k.namespace("t")).list("/state/checkpoints")).toEqual(["cp-1.json", "cp-2.json", "cp-3.json"]);
  });

  it("keep nothing for agents that never checkpoint: a long-running kernel does not grow with them", async () => {
    const k = await kernel();
    for (let i = 0; i < 50; i++) await k.run({ name: "writer", source: `export default async function main() { for (let j = 0; j < 5; j++) await sys.fs.write("/mem/working/f" + j, "x"); }` });
    await new Promise((r) => setTimeout(r, 10));
    const core = k.core as unknown as { spawnSpecs: Map<string, unknown>; changes: Map<string, unknown[]> };
    expect(core.spawnSpecs.size).toBe(0);
    expect(core.changes.size).toBe(0);
    // One that checkpoints is kept, with only the changes after its checkpoint.
    const a = await k.spawn({ name: "worker", tenant: "t", source: `export default async function main() {
      await sys.fs.write("/mem/working/before", "1"); await sys.checkpoint("c"); await sys.fs.write("/mem/working/after", "2"); }` });
    await a.wait();
    await new Promise((r) => setTimeout(r, 10));
    expect(core.spawnSpecs.size).toBe(1);
    expect(core.changes.get(a.id)).toEqual([{ tenant: "t", path: "/mem/working/after" }]);
  });

  it("keep each changed file once per checkpoint: an agent rewriting a file does not grow its changes with every write", async () => {
    const k = await kernel();
    const core = k.core as unknown as { changes: Map<string, unknown[]> };
    const a = await k.spawn({ name: "rewriter", tenant: "t", source: `export default async function main() {
      await sys.fs.write("/mem/working/f", "v0");
      const c1 = await sys.checkpoint("c1");
      for (let i = 1; i <= 50; i++) await sys.fs.write("/mem/working/f", "v" + i);
      const c2 = await sys.checkpoint("c2");
      for (let i = 51; i <= 100; i++) await sys.fs.write("/mem/working/f", "v" + i);
      await sys.fs.write("/mem/working/g", "new");
      return [c1, c2];
    }` });
    const [c1, c2] = (await a.wait()).result as string[];
    await new Promise((r) => setTimeout(r, 10));
    // Kept at every write, these were 101 entries (4 KB each for a long path, for ever).
    expect(core.changes.get(a.id)).toEqual([{ tenant: "t", path: "/mem/working/f" }, { tenant: "t", path: "/mem/working/f" }, { tenant: "t", path: "/mem/working/g" }]);
    // Either checkpoint still undoes everything written since it.
    const ns = await k.namespace("t");
    const again = await k.rollback(a, c2!);
    expect(again.restoredFrom).toMatchObject({ restored: ["/mem/working/f"], removed: ["/mem/working/g"] });
    expect(await ns.read("/mem/working/f")).toBe("v50");
    await again.wait();
    const first = await k.rollback(again, c1!);
    expect(first.restoredFrom).toMatchObject({ restored: ["/mem/working/f"] });
    expect(await ns.read("/mem/working/f")).toBe("v0");
    await first.wait();
  });

  it("keep only the newest checkpoints of an agent: an agent checkpointing in a loop does not hold every snapshot", async () => {
    const k = await kernel({ checkpointsKept: 3 });
    const a = await k.spawn({ name: "looper", source: `export default async function main() {
      const ids = [];
      for (let i = 0; i < 10; i++) { await sys.fs.write("/mem/working/f", "version " + i); ids.push(await sys.checkpoint("c" + i)); }
      return ids;
    }` });
    const ids = (await a.wait()).result as string[];
    expect(ids).toHaveLength(10);
    // The oldest seven are forgotten; the newest three still roll back.
    await expect(k.rollback(a, ids[0]!)).rejects.toMatchObject({ code: "ENOENT" });
    await expect(k.rollback(a, ids[6]!)).rejects.toMatchObject({ code: "ENOENT" });
    const again = await k.rollback(a, ids[7]!);
    expect(again.restoredFrom).toMatchObject({ checkpoint: ids[7] });
    await again.wait();
    await expect(kernel({ checkpointsKept: 0 })).rejects.toThrow(/checkpointsKept must be a whole number >= 1/);
  });

  it("keep the descriptors of kept checkpoints only, with a bounded label: one agent cannot fill its tenant's /state", async () => {
    const k = await kernel({ checkpointsKept: 4 });
    const filler = await k.run({ name: "filler", tenant: "t", source: `export default async function main() {
      const big = "L".repeat(500000);
      for (let i = 0; i < 200; i++) await sys.checkpoint(big + i);
      const names = await sys.fs.list("/state/checkpoints");
      return { names, first: JSON.parse(await sys.fs.read("/state/checkpoints/" + names[0])) };
    }` });
    expect(filler.status).toBe("exited");
    const { names, first } = filler.result as { names: string[]; first: { label: string; labelLength: number } };
    expect(names).toEqual(["cp-197.json", "cp-198.json", "cp-199.json", "cp-200.json"]);
    expect(first).toMatchObject({ label: "L".repeat(1024), labelLength: 500003 });
    // Another agent of the tenant still checkpoints.
    expect(await k.run({ name: "victim", tenant: "t", source: `export default async function main() { return await sys.checkpoint("before-payment"); }` }))
      .toMatchObject({ status: "exited", result: "cp-201" });
  });

  it("refuse a checkpoint of another agent", async () => {
    const k = await kernel();
    const { a } = await crashAfterBystander(k);
    const other = k.list().find((x) => x.name === "bystander")!;
    await expect(k.rollback(other, "cp-1")).rejects.toMatchObject({ code: "ENOENT" });
    expect(a.exit?.status).toBe("crashed");
  });

  it("rewind a reader's pipe position: what it received since the checkpoint is delivered again", async () => {
    const k = await kernel();
    await k.run({ name: "producer", source: `export default async function main() { for (let n = 1; n <= 4; n++) await sys.pipe.send("items", { n }); }` });
    const consumer = `export default async function main() {
      const got = [];
      if ((await sys.fs.list("/state/checkpoints")).length === 0) {
        got.push((await sys.pipe.recv("items")).n);
        const id = await sys.checkpoint("after-first");
        got.push((await sys.pipe.recv("items")).n, (await sys.pipe.recv("items")).n);
        await sys.fs.write("/mem/working/first-run", JSON.stringify(got));
        throw new Error("lost its work");
      }
      for (let i = 0; i < 3; i++) got.push((await sys.pipe.recv("items")).n);
      return got;
    }`;
    const c = await k.spawn({ name: "consumer", source: consumer });
    expect(await c.wait()).toMatchObject({ status: "crashed" });
    expect(await k.vfs.read("/mem/working/first-run")).toBe("[1,2,3]");
    const descriptor = JSON.parse(await k.vfs.read("/state/checkpoints/cp-1.json"));
    expect(descriptor.pipes).toEqual({ items: { reader: true, sender: false, sendSeq: 4, readSeq: 1 } });
    const again = await k.rollback(c, "cp-1");
    expect(again.restoredFrom!.pipes).toEqual({ items: { redelivered: 2 } });
    expect(await again.wait()).toMatchObject({ status: "exited", result: [2, 3, 4] });
  });

  it("withdraw what a rolled-back sender sent since the checkpoint, so the reader sees no duplicates", async () => {
    const k = await kernel();
    const producer = `export default async function main() {
      const resumed = (await sys.fs.list("/state/checkpoints")).length > 0;
      if (!resumed) { await sys.pipe.send("items", { n: 1 }); await sys.checkpoint("one-sent"); }
      await sys.pipe.send("items", { n: 2 });
      await sys.pipe.send("items", { n: 3 });
      if (!resumed) throw new Error("crashed after sending");
      return "resent";
    }`;
    const [p, c] = await k.pipeline(
      { name: "producer", source: producer },
      { name: "consumer", source: `export default async function main() {
        for (;;) { try { await sys.fs.read("/mem/working/go"); break; } catch {} }
        const got = [];
        for (;;) { try { got.push((await sys.pipe.recv("items")).n); } catch (e) { got.push(e.code); return got; } }
      }` },
    );
    expect(await p!.wait()).toMatchObject({ status: "crashed" });
    // The pipeline closed the pipe when the producer ended; the rollback reopens it and withdraws 2 and 3.
    const again = await k.rollback(p!, "cp-1");
    expect(again.restoredFrom!.pipes).toEqual({ items: { withdrawn: 2, delivered: 0 } });
    expect(await again.wait()).toMatchObject({ status: "exited", result: "resent" });
    await k.vfs.write("/mem/working/go", "go");
    expect(await c!.wait()).toMatchObject({ status: "exited", result: [1, 2, 3, "EPIPE"] });
  });
});
