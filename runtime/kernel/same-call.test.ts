// Syscalls that need no I/O: with a memory recorder and a memory-backed file, a read is decided,
// recorded, done and answered inside the guest's call. Everything the guest and the log show must
// be what the waiting path gives; only the turn it costs differs.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { verify } from "../recorder/verify.js";
import { kernelsFor } from "./testdata/test-kernel.js";

const kernel = kernelsFor(`policy t {
  allow fs.read "/mem/**"
  allow fs.list "/mem/**"
  allow fs.write "/mem/working/**"
  allow fs.delete "/mem/working/**"
  deny fs.read "/mem/working/secret"
}`, "t.acp");

/** Settled after two microtask hops, with no kernel turn in between? */
const SETTLED_IN_CALL = `export default async function main(path) {
  let settled = false;
  sys.fs.read(path).then(() => { settled = true; }, () => { settled = true; });
  await null; await null;
  return settled;
}`;

const PROGRAM = `export default async function main() {
  await sys.fs.write("/mem/working/a.txt", "héllo");
  const out = [await sys.fs.read("/mem/working/a.txt")];
  for (const p of ["/mem/working/none", "/mem/working/secret", "/mem/working"]) {
    try { out.push(await sys.fs.read(p)); } catch (e) { out.push(e.code); }
  }
  out.push(await sys.fs.list("/mem/working"));
  return out;
}`;

/** What the log says about each syscall, without the parts that differ run to run. */
function shape(records: readonly Record<string, unknown>[]) {
  return records.filter((r) => r.kind === "syscall" || r.kind === "complete")
    .map((r) => r.kind === "syscall" ? [r.syscall, r.target, r.effect, r.rule, r.argsDigest] : [r.ok, r.errno, r.resultDigest]);
}

describe("a syscall that needs no I/O", () => {
  it("is answered inside the guest's call with a memory recorder, and waits for the log with a file recorder", async () => {
    const mem = await kernel({ recorder: { memory: true } });
    await mem.vfs.write("/mem/working/x", "1");
    expect((await mem.run({ source: SETTLED_IN_CALL, input: "/mem/working/x" })).result).toBe(true);
    // Errors and denials are answered the same way.
    expect((await mem.run({ source: SETTLED_IN_CALL, input: "/mem/working/none" })).result).toBe(true);
    expect((await mem.run({ source: SETTLED_IN_CALL, input: "/mem/working/secret" })).result).toBe(true);

    const file = await kernel({ recorder: { path: join(mkdtempSync(join(tmpdir(), "acp-same-")), "flight.log") } });
    await file.vfs.write("/mem/working/x", "1");
    expect((await file.run({ source: SETTLED_IN_CALL, input: "/mem/working/x" })).result).toBe(false);
  });

  it("waits for a file system that is not in memory", async () => {
    const dir = mkdtempSync(join(tmpdir(), "acp-same-dir-"));
    writeFileSync(join(dir, "fact.txt"), "water is wet");
    const k = await kernel({ recorder: { memory: true }, mounts: { "/mem/semantic": { type: "dir", path: dir, readOnly: true } } });
    expect((await k.run({ source: SETTLED_IN_CALL, input: "/mem/semantic/fact.txt" })).result).toBe(false);
    expect((await k.run({ source: `export default async function main() { return await sys.fs.read("/mem/semantic/fact.txt"); }` })).result).toBe("water is wet");
  });

  it("gives the guest, the violations and the log what the waiting path gives", async () => {
    const mem = await kernel({ recorder: { memory: true } });
    const path = join(mkdtempSync(join(tmpdir(), "acp-same-")), "flight.log");
    const file = await kernel({ recorder: { path } });
    const a = await mem.run({ source: PROGRAM });
    const b = await file.run({ source: PROGRAM });
    expect(a.result).toEqual(["héllo", "ENOENT", "EPERM", "EISDIR", ["a.txt"]]);
    expect(a).toEqual(b);
    await file.recorder.close();
    expect(verify(path).ok).toBe(true);
    const fromFile = readFileSync(path, "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(shape(mem.recorder.records() as never)).toEqual(shape(fromFile));
    // Each syscall record comes before its completion, which names it.
    const recs = mem.recorder.records() as unknown as { kind: string; seq: number; of?: number }[];
    for (const c of recs.filter((r) => r.kind === "complete")) expect(recs.find((r) => r.seq === c.of)?.kind).toBe("syscall");
  });

  it("sends a path as itself, whatever characters it holds", async () => {
    const k = await kernel({ recorder: { memory: true } });
    const exit = await k.run({ source: `export default async function main() {
      const names = ["/mem/working/tab\\there", "/mem/working/new\\nline", "/mem/working/quote\\"d", "/mem/working/back\\\\slash", "/mem/working/ünï €"];
      for (const n of names) await sys.fs.write(n, "at " + n);
      const read = [];
      for (const n of names) read.push((await sys.fs.read(n)) === "at " + n);
      const listed = await sys.fs.list("/mem/working");
      return { read, listed: listed.length };
    }` });
    expect(exit.result).toEqual({ read: [true, true, true, true, true], listed: 5 });
  });

  it("decides a path with a NUL on exactly that path, never a shortened one", async () => {
    const k = await kernel({ recorder: { memory: true } });
    await k.vfs.write("/mem/working/a", "not this one");
    const exit = await k.run({ source: `export default async function main() { try { return await sys.fs.read("/mem/working/a\\u0000b"); } catch (e) { return e.code; } }` });
    // Not a canonical path, so no rule names it: the on-violation kill, on the whole path.
    expect(exit).toMatchObject({ status: "killed", signal: "SIGPOLICY", result: null });
    const targets = (k.recorder.records() as unknown as { kind: string; target?: string }[]).filter((r) => r.kind === "syscall").map((r) => r.target);
    expect(targets).toEqual(["/mem/working/a\u0000b"]);
  });

  it("treats a non-string path as the waiting path does: a violation", async () => {
    const k = await kernel({ recorder: { memory: true } });
    const exit = await k.run({ source: `export default async function main() { return await sys.fs.read(42); }` });
    expect(exit).toMatchObject({ status: "killed", signal: "SIGPOLICY" });
  });
});

describe("the same-call path against the waiting path", () => {
  it("gives the same results, violations and log shapes for random file programs", async () => {
    const op = fc.oneof(
      fc.record({ op: fc.constant("write"), path: fc.constantFrom("/mem/working/a", "/mem/working/d/b", "/mem/working/secret", "/mem/other/x"), data: fc.string({ maxLength: 8 }) }),
      fc.record({ op: fc.constantFrom("read", "list", "remove"), path: fc.constantFrom("/mem/working/a", "/mem/working/d/b", "/mem/working/d", "/mem/working", "/mem/working/secret", "/mem/working/none", "/policy/t.acp", "/mem/working/../working/a") }),
    );
    await fc.assert(fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 10 }), async (ops) => {
      const source = `export default async function main(ops) {
        const out = [];
        for (const o of ops) {
          try {
            const r = o.op === "write" ? await sys.fs.write(o.path, o.data) : o.op === "read" ? await sys.fs.read(o.path) : o.op === "list" ? await sys.fs.list(o.path) : await sys.fs.remove(o.path);
            out.push(["ok", r === undefined ? null : r]);
          } catch (e) { out.push(["err", e.code]); }
        }
        return out;
      }`;
      const mem = await kernel({ recorder: { memory: true } });
      const path = join(mkdtempSync(join(tmpdir(), "acp-same-prop-")), "flight.log");
      const file = await kernel({ recorder: { path } });
      const a = await mem.run({ source, input: ops });
      const b = await file.run({ source, input: ops });
      expect(a).toEqual(b);
      await file.recorder.close();
      const fromFile = readFileSync(path, "utf8").trim().split("\n").map((l) => JSON.parse(l));
      expect(shape(mem.recorder.records() as never)).toEqual(shape(fromFile));
    }), { numRuns: 25 });
  });
});
