import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { defaultMounts } from "./default-mounts.js";
import { VfsError } from "./errors.js";
import { HostDirBackend } from "./host-dir-backend.js";
import { MemoryBackend } from "./memory-backend.js";
import { parseMountSpec } from "./mount-spec.js";
import { SyntheticBackend } from "./synthetic-backend.js";
import { Vfs } from "./vfs.js";

const code = (p: Promise<unknown>) => p.then(() => "ok", (e) => (e instanceof VfsError ? e.code : `not a VfsError: ${String(e)}`));

let base: string;
beforeEach(async () => {
  base = await mkdtemp(path.join(os.tmpdir(), "acp-vfs-mounts-"));
  await mkdir(path.join(base, "data"));
  await writeFile(path.join(base, "data", "fact.txt"), "water is wet");
});
afterEach(async () => { await rm(base, { recursive: true, force: true }); });

describe("defaultMounts", () => {
  it("builds the DESIGN.md table: memory state, read-only /tools and /policy", async () => {
    const vfs = new Vfs(await defaultMounts({
      tools: { "transfer.json": JSON.stringify({ name: "transfer" }) },
      policy: { "finance.acp": "policy finance {}", "manifest.json": () => "{}" },
    }));
    expect(vfs.mountPoints).toEqual([
      "/ipc", "/mem/episodic", "/mem/procedural", "/mem/semantic", "/mem/working", "/policy", "/state/checkpoints", "/tools",
    ]);
    expect(await vfs.list("/")).toEqual(["ipc", "mem", "policy", "state", "tools"]);
    expect(await vfs.list("/mem")).toEqual(["episodic", "procedural", "semantic", "working"]);
    expect(JSON.parse(await vfs.read("/tools/transfer.json"))).toEqual({ name: "transfer" });
    expect(await vfs.read("/policy/finance.acp")).toBe("policy finance {}");
    expect(await code(vfs.write("/policy/finance.acp", "allow *"))).toBe("EROFS");
    expect(await code(vfs.write("/tools/evil.json", "{}"))).toBe("EROFS");
    await vfs.write("/mem/episodic/e.txt", "x");
    await vfs.write("/ipc/chan", "x");
  });

  it("gives each memory mount its own storage and the given limits", async () => {
    const mounts = await defaultMounts({ memory: { maxFileBytes: 3 } });
    expect(mounts["/mem/working"]).not.toBe(mounts["/mem/episodic"]);
    expect(await code(mounts["/mem/working"]!.write("f", "1234"))).toBe("EFBIG");
  });

  it("mounts a host directory read-only as in the embedding example", async () => {
    const mounts = await defaultMounts({ baseDir: base, mounts: { "/mem/semantic": { type: "dir", path: "./data", readOnly: true } } });
    expect(mounts["/mem/semantic"]).toBeInstanceOf(HostDirBackend);
    const vfs = new Vfs(mounts);
    expect(await vfs.read("/mem/semantic/fact.txt")).toBe("water is wet");
    expect(await code(vfs.write("/mem/semantic/fact.txt", "lies"))).toBe("EROFS");
    expect(await readFile(path.join(base, "data", "fact.txt"), "utf8")).toBe("water is wet");
  });

  it("accepts memory specs, backends, and new mount points", async () => {
    const own = new SyntheticBackend({ "a.txt": "A" });
    const mounts = await defaultMounts({ mounts: { "/mem/semantic": { type: "memory", maxBytes: 10 }, "/ext/kb": own } });
    expect((mounts["/mem/semantic"] as MemoryBackend).maxBytes).toBe(10);
    expect(await new Vfs(mounts).read("/ext/kb/a.txt")).toBe("A");
  });

  it.each([
    ["an unknown type", { "/mem/semantic": { type: "s3", bucket: "b" } }, /EINVAL: \/mem\/semantic: invalid mount spec: type: /],
    ["a dir without a path", { "/mem/semantic": { type: "dir" } }, /path: /],
    ["a misspelled field", { "/mem/semantic": { type: "dir", path: "./data", readonly: true } }, /readonly/],
    ["a negative quota", { "/mem/working": { type: "memory", maxBytes: -5 } }, /maxBytes: /],
    ["a string readOnly", { "/mem/semantic": { type: "dir", path: "./data", readOnly: "yes" } }, /readOnly: /],
    ["a non-canonical mount point", { "/mem/semantic/": { type: "memory" } }, /EINVAL: \/mem\/semantic\/: /],
    ["replacing /policy", { "/policy": { type: "memory" } }, /EACCES: \/policy: kernel-generated/],
    ["mounting inside /tools", { "/tools/extra": { type: "memory" } }, /EACCES: \/tools\/extra/],
    ["a missing host directory", { "/mem/semantic": { type: "dir", path: "./nope" } }, /ENOENT: \/mem\/semantic: .*\.\/nope/],
    ["a host file as directory", { "/mem/semantic": { type: "dir", path: "./data/fact.txt" } }, /ENOTDIR: \/mem\/semantic/],
    ["null", { "/mem/semantic": null }, /EINVAL: \/mem\/semantic: invalid mount spec/],
  ])("refuses %s with a clear error", async (_what, mounts, message) => {
    await expect(defaultMounts({ baseDir: base, mounts: mounts as never })).rejects.toThrow(message);
  });
});

describe("parseMountSpec", () => {
  it("returns the typed spec", () => {
    expect(parseMountSpec("/m", { type: "dir", path: "/srv/kb", readOnly: true })).toEqual({ type: "dir", path: "/srv/kb", readOnly: true });
    expect(parseMountSpec("/m", { type: "memory" })).toEqual({ type: "memory" });
  });
});
