import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { Pipe, PipeTable, type PeekResult } from "./index.js";
import { RETAIN_DELIVERED } from "./pipe.js";
import { SyscallError } from "../kernel/errors.js";
import type { TypeDesc } from "../../stdlib/abi/types.js";

const Finding: TypeDesc = {
  t: "record",
  fields: [
    { name: "title", optional: false, type: { t: "string" } },
    { name: "sources", optional: false, type: { t: "array", elem: { t: "string" }, max: 20 } },
  ],
};

/** recv as the kernel does it: peek → (decide) → take(seq); retries if another receiver won the head. */
async function recv(
  p: Pipe, opts: { timeoutMs?: number; signal?: AbortSignal } = {}, onTake?: (m: unknown) => void,
): Promise<PeekResult> {
  for (;;) {
    const r = await p.peek(opts);
    if ("closed" in r) return r;
    try {
      const m = p.take(r.seq);
      onTake?.(m); // recorded at take time: takes are what define delivery order
      return r;
    } catch (e) {
      if ((e as SyscallError).code !== "EAGAIN") throw e;
    }
  }
}

async function code(p: Promise<unknown>): Promise<string> {
  try { await p; return "ok"; } catch (e) { expect(e).toBeInstanceOf(SyscallError); return (e as SyscallError).code; }
}

const tick = () => new Promise<void>((r) => setImmediate(r));

describe("Pipe", () => {
  it("delivers in FIFO order", async () => {
    const p = new Pipe({ name: "q", capacity: 8 });
    for (let i = 0; i < 5; i++) await p.send(i);
    const got: unknown[] = [];
    for (let i = 0; i < 5; i++) got.push(((await recv(p)) as { message: unknown }).message);
    expect(got).toEqual([0, 1, 2, 3, 4]);
    expect(p.stats()).toMatchObject({ length: 0, sent: 5, received: 5 });
  });

  it("deep-copies on send and on peek", async () => {
    const p = new Pipe({ name: "q", capacity: 2 });
    const m = { a: [1] };
    await p.send(m);
    m.a.push(2);
    const r = (await p.peek()) as { message: { a: number[] } };
    r.message.a.push(3);
    expect(p.take()).toEqual({ a: [1] });
  });

  it("backpressure: fast producer, slow consumer, capacity 4", async () => {
    const p = new Pipe({ name: "q", capacity: 4 });
    const N = 50;
    const producer = (async () => { for (let i = 0; i < N; i++) await p.send({ i }); p.close(); })();
    const got: number[] = [];
    for (;;) {
      expect(p.stats().length).toBeLessThanOrEqual(4);
      await tick(); await tick(); // slow consumer
      const r = await recv(p);
      if ("closed" in r) break;
      got.push((r.message as { i: number }).i);
    }
    await producer;
    expect(got).toEqual(Array.from({ length: N }, (_, i) => i));
    expect(p.stats().highWater).toBe(4);
  });

  it("waiting senders are served in FIFO order", async () => {
    const p = new Pipe({ name: "q", capacity: 1 });
    await p.send("a");
    const order: string[] = [];
    const sends = ["b", "c", "d"].map((m) => p.send(m).then(() => order.push(m)));
    expect(p.stats().waitingSenders).toBe(3);
    const got: unknown[] = [];
    for (let i = 0; i < 4; i++) got.push(((await recv(p)) as { message: unknown }).message);
    await Promise.all(sends);
    expect(got).toEqual(["a", "b", "c", "d"]);
    expect(order).toEqual(["b", "c", "d"]);
  });

  it("send times out with ETIMEDOUT while full; recv times out while empty", async () => {
    const p = new Pipe({ name: "q", capacity: 1 });
    await p.send(1);
    expect(await code(p.send(2, { timeoutMs: 10 }))).toBe("ETIMEDOUT");
    expect(await code(p.send(2, { timeoutMs: 0 }))).toBe("ETIMEDOUT");
    expect(p.stats()).toMatchObject({ length: 1, sent: 1, waitingSenders: 0 });
    p.take();
    expect(await code(p.peek({ timeoutMs: 10 }))).toBe("ETIMEDOUT");
    expect(p.stats().waitingReceivers).toBe(0);
  });

  it("close: reader drains then sees closed; blocked sender and later sends get EPIPE", async () => {
    const p = new Pipe({ name: "q", capacity: 2 });
    await p.send(1); await p.send(2);
    const blocked = code(p.send(3));
    expect(p.stats().waitingSenders).toBe(1);
    p.close();
    expect(await blocked).toBe("EPIPE");
    expect(await code(p.send(4))).toBe("EPIPE");
    expect(await recv(p)).toMatchObject({ message: 1 });
    expect(await recv(p)).toMatchObject({ message: 2 });
    expect(await recv(p)).toEqual({ closed: true });
    expect(p.stats()).toMatchObject({ closed: true, length: 0, sent: 2, received: 2 });
  });

  it("close wakes a blocked reader with closed", async () => {
    const p = new Pipe({ name: "q", capacity: 2 });
    const r = p.peek();
    expect(p.stats().waitingReceivers).toBe(1);
    p.close();
    expect(await r).toEqual({ closed: true });
  });

  it("abort via signal drops a waiting sender or receiver with EIO", async () => {
    const p = new Pipe({ name: "q", capacity: 1 });
    await p.send("x");
    const ac = new AbortController();
    const s = code(p.send("y", { signal: ac.signal }));
    ac.abort();
    expect(await s).toBe("EIO");
    expect(p.stats().waitingSenders).toBe(0);
    p.take();
    expect(p.stats().length).toBe(0); // the aborted message never entered

    const ac2 = new AbortController();
    const r = p.peek({ signal: ac2.signal });
    ac2.abort();
    await expect(r).rejects.toMatchObject({ code: "EIO", message: "agent ended" });
    expect(p.stats().waitingReceivers).toBe(0);
    expect(await code(p.peek({ signal: ac2.signal }))).toBe("EIO"); // already aborted
  });

  it("peek offers a message to one reader; release offers it again; take removes it; stale seq → EAGAIN", async () => {
    const p = new Pipe({ name: "q", capacity: 4 });
    const waiting = p.peek();
    await p.send("a"); await p.send("b");
    const first = (await waiting) as { message: unknown; seq: number };
    expect(first).toMatchObject({ message: "a" });
    // A second reader is offered the next message, not the one the first is deciding on.
    const second = (await p.peek()) as { seq: number };
    expect(second).toMatchObject({ message: "b" });
    expect(await code(p.peek({ timeoutMs: 5 }))).toBe("ETIMEDOUT");
    expect(p.stats().length).toBe(2);
    // A refused delivery (deny) gives the message back: the next peek sees it again.
    const third = p.peek();
    p.release(first.seq);
    expect(await third).toMatchObject({ message: "a", seq: first.seq });
    expect(p.take(first.seq)).toBe("a");
    expect(() => p.take(first.seq)).toThrow(expect.objectContaining({ code: "EAGAIN" }));
    expect(p.take(second.seq)).toBe("b");
    expect(() => p.take()).toThrow(expect.objectContaining({ code: "EAGAIN" }));
  });

  it("rejects messages that do not conform, or are not JSON, with EINVAL", async () => {
    const p = new Pipe({ name: "findings", capacity: 4, carries: Finding });
    await p.send({ title: "t", sources: ["s"] });
    expect(await code(p.send({ title: 1, sources: [] }))).toBe("EINVAL");
    expect(await code(p.send({ title: "t", sources: [], extra: 1 }))).toBe("EINVAL");
    expect(await code(p.send({ title: "t", sources: Array(21).fill("s") }))).toBe("EINVAL");
    const cyclic: Record<string, unknown> = {}; cyclic.self = cyclic;
    expect(await code(new Pipe({ name: "any", capacity: 1 }).send(cyclic))).toBe("EINVAL");
    expect(await code(new Pipe({ name: "any", capacity: 1 }).send(undefined))).toBe("EINVAL");
    expect(p.stats().sent).toBe(1);
  });

  it("rejects a bad capacity", () => {
    expect(() => new Pipe({ name: "q", capacity: 0 })).toThrow(RangeError);
    expect(() => new Pipe({ name: "q", capacity: 1.5 })).toThrow(RangeError);
  });
});

describe("PipeTable", () => {
  const decls = [{ name: "findings", from: "researcher", to: "writer", carries: Finding, capacity: 16 }];

  it("creates pipes lazily per tenant and isolates tenants", async () => {
    const t = new PipeTable(decls);
    expect(t.get("acme", "nope")).toBeNull();
    expect(t.list()).toEqual([]);
    const a = t.get("acme", "findings")!;
    const g = t.get("globex", "findings")!;
    expect(a).not.toBe(g);
    expect(t.get("acme", "findings")).toBe(a);
    expect(a.capacity).toBe(16);
    await a.send({ title: "acme", sources: [] });
    expect(g.stats().length).toBe(0);
    expect(await g.peek({ timeoutMs: 5 }).catch((e: SyscallError) => e.code)).toBe("ETIMEDOUT");
    expect(t.list().map((e) => [e.tenant, e.name, e.stats.length])).toEqual([["acme", "findings", 1], ["globex", "findings", 0]]);
    expect(t.decl("findings")?.to).toBe("writer");
  });

  it("closeAll closes every pipe, including ones created later", async () => {
    const t = new PipeTable(decls);
    const a = t.get("acme", "findings")!;
    t.closeAll();
    expect(a.closed).toBe(true);
    expect(t.get("globex", "findings")!.closed).toBe(true);
    expect(await code(a.send({ title: "x", sources: [] }))).toBe("EPIPE");
  });

  it("closeTenant closes only that tenant", () => {
    const t = new PipeTable(decls);
    const a = t.get("acme", "findings")!, g = t.get("globex", "findings")!;
    t.closeTenant("acme");
    expect([a.closed, g.closed]).toEqual([true, false]);
  });

  it("rejects duplicate declarations and bad capacities", () => {
    expect(() => new PipeTable([...decls, ...decls])).toThrow(/duplicate/);
    expect(() => new PipeTable([{ ...decls[0]!, capacity: 0 }])).toThrow(RangeError);
  });
});

describe("Pipe property", () => {
  it("any interleaving of senders and receivers delivers the sent sequence in order, length ≤ capacity", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 0, max: 30 }),
        fc.array(fc.constantFrom("send", "recv", "flush"), { maxLength: 80 }),
        async (capacity, n, schedule) => {
          const p = new Pipe({ name: "q", capacity });
          const taken: unknown[] = [];
          const pending: Promise<unknown>[] = [];
          let next = 0;
          const check = () => {
            const s = p.stats();
            expect(s.length).toBeLessThanOrEqual(capacity);
            expect(s.sent - s.received).toBe(s.length);
          };
          const receiver = async () => {
            await recv(p, {}, (m) => taken.push(m));
            check();
          };
          // Seeded schedule: each step starts a send, starts a recv, or lets pending work run.
          for (const step of schedule) {
            if (step === "send" && next < n) pending.push(p.send(next++).then(check));
            else if (step === "recv") pending.push(receiver());
            else await Promise.resolve();
            check();
          }
          while (next < n) pending.push(p.send(next++).then(check));
          // Drain: receive until every send has been delivered, then close so blocked receivers end.
          while (p.stats().sent < n || p.stats().length > 0) {
            if (p.stats().length > 0) { taken.push(p.take()); check(); } else await tick();
          }
          p.close();
          await Promise.all(pending);
          check();
          expect(taken).toEqual(Array.from({ length: n }, (_, i) => i));
          expect(p.stats().highWater).toBeLessThanOrEqual(capacity);
          expect(p.stats()).toMatchObject({ waitingSenders: 0, waitingReceivers: 0 });
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe("Pipe positions for checkpoints", () => {
  it("rewinds a reader to a mark and withdraws a sender's unread messages", async () => {
    const p = new Pipe({ name: "p", capacity: 10 });
    await p.send(1);
    const mark = p.mark();
    await p.send(2); await p.send(3); await p.send(4);
    expect([p.take(), p.take()]).toEqual([1, 2]);
    // The reader's position at the mark was message 1: both deliveries come back, in order.
    expect(p.rewind(mark)).toBe(2);
    // Sent since the mark: 2, 3 and 4, none of them delivered any more (2 came back): all withdrawn.
    expect(p.retract(mark)).toEqual({ withdrawn: 3, delivered: 0 });
    expect(p.take()).toBe(1);
    expect(() => p.take()).toThrow(/empty/);
  });

  it("keeps a bounded number of delivered messages and refuses a rewind past them", async () => {
    const p = new Pipe({ name: "p", capacity: 1 });
    const mark = p.mark();
    for (let i = 0; i <= RETAIN_DELIVERED; i++) { await p.send(i); p.take(); }
    expect(() => p.rewind(mark)).toThrow(expect.objectContaining({ code: "ENOSPC" }));
    p.unpin(mark.pin);
    await p.send("x"); p.take();
    expect(p.stats().length).toBe(0);
  });
});
