// A pool of readers on one pipe: each message is offered to one waiting reader, delivered exactly
// once, and a delivery the policy refuses goes back to the pipe for another reader.
import { describe, expect, it } from "vitest";
import { kernelsFor } from "./testdata/test-kernel.js";

const POLICY = `policy pool {
  type Job = { n: number, secret: bool }
  pipe jobs: dispatcher -> worker carries Job capacity 4
  allow pipe.send jobs when agent.name == "dispatcher"
  allow pipe.recv jobs when agent.name == "worker"
  deny pipe.recv jobs when args.secret and agent.labels["clearance"] != "yes"
}`;

const kernel = kernelsFor(POLICY, "pool.acp", { pipeTimeoutMs: 5000 });

describe("a pool of readers on one pipe", () => {
  it("delivers every message exactly once, in order of offer, with no reader racing another", async () => {
    const k = await kernel();
    const worker = `export default async function main() {
      const got = [];
      for (;;) {
        try { got.push((await sys.pipe.recv("jobs")).n); }
        catch (e) { if (e.code === "EPERM") { got.push("refused"); continue; } return { got, end: e.code }; }
      }
    }`;
    const [dispatcher, ...workers] = await k.pipeline(
      { name: "dispatcher", source: `export default async function main() { for (let n = 0; n < 40; n++) await sys.pipe.send("jobs", { n, secret: n === 7 }); }` },
      { name: "worker", source: worker, labels: { clearance: "no" } },
      { name: "worker", source: worker, labels: { clearance: "no" } },
      { name: "worker", source: worker, labels: { clearance: "yes" } },
    );
    expect((await dispatcher!.wait()).status).toBe("exited");
    const results = (await Promise.all(workers.map((w) => w.wait()))).map((e) => e.result as { got: (number | string)[]; end: string });
    for (const res of results) expect(res.end).toBe("EPIPE");
    const delivered = results.flatMap((res) => res.got.filter((x) => typeof x === "number")) as number[];
    expect(delivered.sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    // Job 7 went to the cleared worker, whoever was offered it first.
    expect(results[2]!.got).toContain(7);
    // Each reader got its jobs in order.
    for (const res of results) {
      const mine = res.got.filter((x) => typeof x === "number") as number[];
      expect(mine).toEqual([...mine].sort((a, b) => a - b));
    }
  });

  it("gives a refused delivery back to the pipe: the next reader gets it", async () => {
    const k = await kernel();
    await k.run({ name: "dispatcher", source: `export default async function main() { await sys.pipe.send("jobs", { n: 0, secret: true }); await sys.pipe.send("jobs", { n: 1, secret: false }); }` });
    const once = `export default async function main() {
      const got = [];
      for (;;) { try { got.push((await sys.pipe.recv("jobs")).n); return got; } catch (e) { got.push(e.code); } }
    }`;
    expect(await k.run({ name: "worker", source: once, labels: { clearance: "no" } })).toMatchObject({ result: ["EPERM", 1], violations: [{ syscall: "pipe.recv", effect: "deny" }] });
    expect(await k.run({ name: "worker", source: once, labels: { clearance: "yes" } })).toMatchObject({ result: [0] });
  });

  it("lets an agent have many sends waiting on a full pipe without Node warning of a listener leak", async () => {
    const k = await kernel({ pipeTimeoutMs: 200 });
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on("warning", onWarning);
    try {
      const exit = await k.run({ name: "dispatcher", source: `export default async function main() {
        const sends = []; for (let n = 0; n < 20; n++) sends.push(sys.pipe.send("jobs", { n, secret: false }).then(() => "ok", (e) => e.code));
        return (await Promise.all(sends)).filter((r) => r === "ETIMEDOUT").length;
      }` });
      expect(exit).toMatchObject({ status: "exited", result: 16 }); // capacity 4: the other 16 waited, then timed out
      await new Promise((r) => setImmediate(r));
      expect(warnings).not.toContain("MaxListenersExceededWarning");
    } finally {
      process.off("warning", onWarning);
    }
  });
});
