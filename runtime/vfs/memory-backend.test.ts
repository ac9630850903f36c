import { describe, expect, it } from "vitest";
import type { Backend } from "./backend.js";
import { VfsError } from "./errors.js";
import { ENTRY_BYTES as E, MemoryBackend, MemorySnapshot } from "./memory-backend.js";
import { SyntheticBackend } from "./synthetic-backend.js";

const code = (p: Promise<unknown>) => p.then(() => "ok", (e) => (e instanceof VfsError ? e.code : String(e)));

async function dump(b: MemoryBackend, dir = ""): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of await b.list(dir)) {
    const rel = dir === "" ? name : `${dir}/${name}`;
    if ((await b.stat(rel))!.kind === "dir") Object.assign(out, { [`${rel}/`]: "" }, await dump(b, rel));
    else out[rel] = await b.read(rel);
  }
  return out;
}

describe("memory quota", () => {
  it("counts content, names and each entry, and refuses with ENOSPC past maxBytes", async () => {
    const b = new MemoryBackend({ maxBytes: 4 * E + 20 });
    await b.write("ab", "12345");
    expect(b.usedBytes).toBe(E + 7);
    await b.write("d/e", "é");
    expect(b.usedBytes).toBe(E + 7 + E + 1 + E + 1 + 2);
    expect(await code(b.write("x", "123456789"))).toBe("ENOSPC");
    await b.write("x", "12345678");
    expect(b.usedBytes).toBe(4 * E + 20);
    expect(await code(b.write("y", ""))).toBe("ENOSPC");
    expect(await b.stat("x")).toEqual({ kind: "file", size: 8 });
  });

  it("charges empty files as entries: a quota bounds how many there can be", async () => {
    const b = new MemoryBackend({ maxBytes: 100 * (E + 3) });
    let made = 0;
    for (let i = 0; i < 1000; i++) { if ((await code(b.write(String(i).padStart(3, "0"), ""))) !== "ok") break; made++; }
    expect(made).toBe(100);
  });

  it("lets a replacement grow only into free space, and always shrink", async () => {
    const b = new MemoryBackend({ maxBytes: E + 10 });
    await b.write("f", "123456");
    expect(await code(b.write("f", "1234567890"))).toBe("ENOSPC");
    await b.write("f", "123456789");
    await b.write("f", "1");
    expect(b.usedBytes).toBe(E + 2);
  });

  it("gives the space back on remove", async () => {
    const b = new MemoryBackend({ maxBytes: 2 * E + 12 });
    await b.write("dir/file", "abc");
    expect(b.usedBytes).toBe(2 * E + 3 + 4 + 3);
    await b.remove("dir/file");
    await b.remove("dir");
    expect(b.usedBytes).toBe(0);
    await b.write("twelve-bytes", "");
  });

  it("counts the directories a write would create, and refuses it whole", async () => {
    const b = new MemoryBackend({ maxBytes: 2 * E + 5 });
    expect(await code(b.write("aa/bb/cc", ""))).toBe("ENOSPC");
    expect(await b.list("")).toEqual([]);
    expect(b.usedBytes).toBe(0);
  });

  it("checks EFBIG before ENOSPC and refuses bad limits", async () => {
    const b = new MemoryBackend({ maxBytes: 3, maxFileBytes: 2 });
    expect(await code(b.write("f", "12345"))).toBe("EFBIG");
    expect(() => new MemoryBackend({ maxBytes: -1 })).toThrow(VfsError);
    expect(() => new MemoryBackend({ maxFileBytes: 1.5 })).toThrow(/maxFileBytes/);
  });
});

describe("memory snapshot", () => {
  it("is unchanged by writes and removes made after it", async () => {
    const b = new MemoryBackend();
    await b.write("a/x", "1");
    await b.write("a/y", "2");
    await b.write("b/z", "3");
    const before = await dump(b);
    const snap = await b.snapshot();
    await b.write("a/x", "changed");
    await b.remove("a/y");
    await b.write("a/new/deep", "4");
    await b.remove("b/z");
    await b.remove("b");
    expect(await dump(b)).toEqual({ "a/": "", "a/x": "changed", "a/new/": "", "a/new/deep": "4" });
    await b.restore(snap);
    expect(await dump(b)).toEqual(before);
    expect(b.usedBytes).toBe(snap.bytes);
  });

  it("can be restored again after the restored tree was changed", async () => {
    const b = new MemoryBackend();
    await b.write("a/x", "1");
    const snap = await b.snapshot();
    for (let round = 0; round < 3; round++) {
      await b.restore(snap);
      expect(await dump(b)).toEqual({ "a/": "", "a/x": "1" });
      await b.write("a/x", `round ${round}`);
      await b.write("a/other", "o");
    }
  });

  it("keeps later snapshots independent of earlier ones", async () => {
    const b = new MemoryBackend();
    await b.write("f", "v1");
    const s1 = await b.snapshot();
    await b.write("f", "v2");
    const s2 = await b.snapshot();
    await b.write("f", "v3");
    await b.restore(s1);
    expect(await b.read("f")).toBe("v1");
    await b.restore(s2);
    expect(await b.read("f")).toBe("v2");
  });

  it("is frozen and restores into another memory backend without sharing writes", async () => {
    const a = new MemoryBackend();
    await a.write("d/f", "from a");
    const snap = await a.snapshot();
    expect(Object.isFrozen(snap)).toBe(true);
    const b = new MemoryBackend();
    await b.restore(snap);
    await b.write("d/f", "b's own");
    await a.write("d/g", "a's own");
    expect(await dump(b)).toEqual({ "d/": "", "d/f": "b's own" });
    await a.restore(snap);
    expect(await dump(a)).toEqual({ "d/": "", "d/f": "from a" });
  });

  it("refuses a snapshot that does not fit the target's limits", async () => {
    const a = new MemoryBackend();
    await a.write("f", "0123456789");
    const snap = await a.snapshot();
    expect(await code(new MemoryBackend({ maxBytes: 5 }).restore(snap))).toBe("ENOSPC");
    expect(await code(new MemoryBackend({ maxFileBytes: 5 }).restore(snap))).toBe("EFBIG");
  });

  it("refuses a snapshot from another kind of backend", async () => {
    const b = new MemoryBackend();
    expect(await code(b.restore({ backend: "dir" }))).toBe("EINVAL");
    expect((new SyntheticBackend({}) as Backend).snapshot).toBeUndefined();
  });

  it("is cheap: snapshots of a large tree share it until a write copies one path", async () => {
    const b = new MemoryBackend();
    for (let i = 0; i < 200; i++) await b.write(`dir${i % 10}/f${i}`, "x".repeat(100));
    const snaps: MemorySnapshot[] = [];
    for (let i = 0; i < 1000; i++) snaps.push(await b.snapshot());
    // Same root object: taking a snapshot copied nothing.
    expect(new Set(snaps.map((s) => s.root)).size).toBe(1);
    await b.write("dir3/f3", "changed");
    const after = await b.snapshot();
    const untouched = [...after.root.children].filter(([name, node]) => node === snaps[0]!.root.children.get(name));
    expect(untouched.map(([n]) => n).sort()).toEqual(["dir0", "dir1", "dir2", "dir4", "dir5", "dir6", "dir7", "dir8", "dir9"]);
  });
});
