// One errno table, checked against every backend an agent can write to: the agent must not be able
// to tell from behaviour which storage sits behind a mount.
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Backend } from "./backend.js";
import { VfsError } from "./errors.js";
import { HostDirBackend } from "./host-dir-backend.js";
import { MemoryBackend } from "./memory-backend.js";

const temps: string[] = [];
afterAll(async () => { await Promise.all(temps.map((d) => rm(d, { recursive: true, force: true }))); });
async function tempRoot(): Promise<string> {
  const d = await mkdtemp(path.join(os.tmpdir(), "acp-vfs-contract-"));
  temps.push(d);
  return d;
}

type Make = (limits: { maxFileBytes?: number }) => Promise<Backend>;
const BACKENDS: [string, Make][] = [
  ["memory", async (l) => new MemoryBackend(l)],
  ["host dir, /proc anchoring", async (l) => HostDirBackend.open(await tempRoot(), { ...l, anchoring: "proc" })],
  ["host dir, path anchoring", async (l) => HostDirBackend.open(await tempRoot(), { ...l, anchoring: "path" })],
];

const code = (p: Promise<unknown>) => p.then(() => "ok", (e) => (e instanceof VfsError ? e.code : `not a VfsError: ${String(e)}`));

describe.each(BACKENDS)("%s", (_name, make) => {
  async function seeded(limits = {}) {
    const b = await make(limits);
    await b.write("f.txt", "hello");
    await b.write("d/inner.txt", "é");
    return b;
  }

  it("reads back what was written, creating parent directories", async () => {
    const b = await seeded();
    expect(await b.read("f.txt")).toBe("hello");
    expect(await b.read("d/inner.txt")).toBe("é");
    expect(await b.list("")).toEqual(["d", "f.txt"]);
    expect(await b.list("d")).toEqual(["inner.txt"]);
  });

  it("replaces a file and keeps the empty string and UTF-8 intact", async () => {
    const b = await seeded();
    await b.write("f.txt", "");
    expect(await b.read("f.txt")).toBe("");
    await b.write("f.txt", "naïve ☃ 🦀");
    expect(await b.read("f.txt")).toBe("naïve ☃ 🦀");
  });

  it("stores a lone surrogate as U+FFFD, as UTF-8 would", async () => {
    const b = await seeded();
    await b.write("s.txt", "a\uD800b");
    expect(await b.read("s.txt")).toBe("a\uFFFDb");
    expect(await b.stat("s.txt")).toEqual({ kind: "file", size: 5 });
  });

  it("lists names sorted by code unit, directories included", async () => {
    const b = await make({});
    for (const n of ["b", "B", "a/x", "é", "_"]) await b.write(n, n);
    expect(await b.list("")).toEqual(["B", "_", "a", "b", "é"]);
  });

  it("stats files in UTF-8 bytes, directories as size 0, and nothing as null", async () => {
    const b = await seeded();
    expect(await b.stat("")).toEqual({ kind: "dir", size: 0 });
    expect(await b.stat("d")).toEqual({ kind: "dir", size: 0 });
    expect(await b.stat("d/inner.txt")).toEqual({ kind: "file", size: 2 });
    expect(await b.stat("nope")).toBeNull();
    expect(await b.stat("nope/deeper")).toBeNull();
    expect(await b.stat("f.txt/under")).toBeNull();
  });

  it("removes files and empty directories; a directory stays after its last file goes", async () => {
    const b = await seeded();
    await b.remove("d/inner.txt");
    expect(await b.list("d")).toEqual([]);
    await b.remove("d");
    await b.remove("f.txt");
    expect(await b.list("")).toEqual([]);
  });

  const table: [string, (b: Backend) => Promise<unknown>, string][] = [
    ["read of a missing file", (b) => b.read("nope.txt"), "ENOENT"],
    ["read below a missing directory", (b) => b.read("no/pe.txt"), "ENOENT"],
    ["read of a directory", (b) => b.read("d"), "EISDIR"],
    ["read of the mount root", (b) => b.read(""), "EISDIR"],
    ["read below a file", (b) => b.read("f.txt/x"), "ENOTDIR"],
    ["write onto a directory", (b) => b.write("d", "x"), "EISDIR"],
    ["write onto the mount root", (b) => b.write("", "x"), "EISDIR"],
    ["write below a file", (b) => b.write("f.txt/x", "x"), "ENOTDIR"],
    ["write deep below a file", (b) => b.write("f.txt/x/y", "x"), "ENOTDIR"],
    ["write of a non-string", (b) => b.write("g.txt", 42 as unknown as string), "EINVAL"],
    ["list of a missing directory", (b) => b.list("nope"), "ENOENT"],
    ["list of a file", (b) => b.list("f.txt"), "ENOTDIR"],
    ["list below a file", (b) => b.list("f.txt/x"), "ENOTDIR"],
    ["remove of a missing entry", (b) => b.remove("nope"), "ENOENT"],
    ["remove of a non-empty directory", (b) => b.remove("d"), "EEXIST"],
    ["remove of the mount root", (b) => b.remove(""), "EACCES"],
    ["remove below a file", (b) => b.remove("f.txt/x"), "ENOTDIR"],
    ["an absolute rel path", (b) => b.read("/f.txt"), "EINVAL"],
    ["a `..` segment", (b) => b.read("d/../f.txt"), "EINVAL"],
    ["a leading `..`", (b) => b.write("../escape.txt", "x"), "EINVAL"],
    ["a `.` segment", (b) => b.read("d/./inner.txt"), "EINVAL"],
    ["an empty segment", (b) => b.read("d//inner.txt"), "EINVAL"],
    ["a trailing slash", (b) => b.list("d/"), "EINVAL"],
    ["a NUL byte", (b) => b.write("a\0b", "x"), "EINVAL"],
    ["a reserved staging name", (b) => b.write(".acp-tmp-1234", "x"), "EINVAL"],
    ["a name over 255 bytes", (b) => b.write("é".repeat(128), "x"), "ENAMETOOLONG"],
    ["a path over 4096 bytes", (b) => b.write(Array(1000).fill("abcd").join("/"), "x"), "ENAMETOOLONG"],
    ["stat of an invalid path", (b) => b.stat("a/../b"), "EINVAL"],
  ];
  it.each(table)("%s → %s", async (_what, op, expected) => {
    const b = await seeded();
    expect(await code(op(b))).toBe(expected);
  });

  it("refused operations change nothing", async () => {
    const b = await seeded();
    for (const [, op] of table) await op(b).catch(() => undefined);
    expect(await b.list("")).toEqual(["d", "f.txt"]);
    expect(await b.read("f.txt")).toBe("hello");
    expect(await b.list("d")).toEqual(["inner.txt"]);
  });

  it("refuses files over maxFileBytes with EFBIG, counting UTF-8 bytes", async () => {
    const b = await make({ maxFileBytes: 4 });
    await b.write("ok", "éé");
    expect(await code(b.write("big", "ééé"))).toBe("EFBIG");
    expect(await code(b.write("ok", "12345"))).toBe("EFBIG");
    expect(await b.read("ok")).toBe("éé");
    expect(await b.stat("big")).toBeNull();
  });

  it("names the path in every error message", async () => {
    const b = await seeded();
    await expect(b.read("d/missing.txt")).rejects.toThrow(/^ENOENT: d\/missing\.txt: /);
    await expect(b.remove("d")).rejects.toThrow("EEXIST: d: directory not empty");
  });
});
