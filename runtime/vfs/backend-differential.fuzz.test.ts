// Differential property: random operation sequences give the same results (values and errnos) and
// leave the same tree on the memory backend and on a real host directory under both anchorings.
// ACP_FUZZ_RUNS scales the run (`npm run fuzz`).
import fc from "fast-check";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { expect, it } from "vitest";
import type { Backend } from "./backend.js";
import { VfsError } from "./errors.js";
import { HostDirBackend } from "./host-dir-backend.js";
import { MemoryBackend } from "./memory-backend.js";

const RUNS = Number(process.env.ACP_FUZZ_RUNS ?? 100);
const MAX_FILE = 12;

const seg = fc.constantFrom("a", "b", "A", "é", "x y");
const rel = fc.oneof(
  { weight: 12, arbitrary: fc.array(seg, { maxLength: 3 }).map((s) => s.join("/")) },
  { weight: 1, arbitrary: fc.constantFrom("a/../b", "/a", "a//b", "a/", ".", ".acp-tmp-0", "a\0") },
);
const data = fc.oneof(fc.constantFrom("", "x", "héllo", "a\uD800", "\uDFFFz"), fc.string({ maxLength: 8, unit: "binary" }));
const op = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant("write" as const), rel, data }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constantFrom("read" as const, "list" as const, "remove" as const, "stat" as const), rel }) },
);
type Op = typeof op extends fc.Arbitrary<infer T> ? T : never;

async function run(b: Backend, o: Op): Promise<unknown> {
  try {
    switch (o.op) {
      case "write": return { ok: await b.write(o.rel, (o as { data: string }).data) };
      case "read": return { ok: await b.read(o.rel) };
      case "list": return { ok: await b.list(o.rel) };
      case "remove": return { ok: await b.remove(o.rel) };
      case "stat": return { ok: await b.stat(o.rel) };
    }
  } catch (e) {
    if (e instanceof VfsError) return { err: e.code };
    throw e;
  }
}

async function dump(b: Backend, dir = ""): Promise<Record<string, string | null>> {
  const out: Record<string, string | null> = {};
  for (const name of await b.list(dir)) {
    const r = dir === "" ? name : `${dir}/${name}`;
    if ((await b.stat(r))!.kind === "dir") Object.assign(out, { [r]: null }, await dump(b, r));
    else out[r] = await b.read(r);
  }
  return out;
}

it("memory and host-dir backends agree on every operation sequence", async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 25 }), async (ops) => {
      const dirs = await Promise.all([0, 1].map(() => mkdtemp(path.join(os.tmpdir(), "acp-vfs-diff-"))));
      try {
        const memory = new MemoryBackend({ maxFileBytes: MAX_FILE });
        const others = [
          await HostDirBackend.open(dirs[0]!, { maxFileBytes: MAX_FILE, anchoring: "proc", durable: false }),
          await HostDirBackend.open(dirs[1]!, { maxFileBytes: MAX_FILE, anchoring: "path" }),
        ];
        for (const o of ops) {
          const expected = await run(memory, o);
          for (const other of others) expect(await run(other, o), JSON.stringify(o)).toEqual(expected);
        }
        const final = await dump(memory);
        for (const other of others) expect(await dump(other)).toEqual(final);
      } finally {
        await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
      }
    }),
    { numRuns: RUNS },
  );
});
