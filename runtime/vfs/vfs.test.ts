import { describe, expect, it } from "vitest";
import type { Backend } from "./backend.js";
import { VfsError } from "./errors.js";
import { MemoryBackend } from "./memory-backend.js";
import { MountTable } from "./mount-table.js";
import { SyntheticBackend } from "./synthetic-backend.js";
import { Vfs } from "./vfs.js";

const code = (p: Promise<unknown>) => p.then(() => "ok", (e) => (e instanceof VfsError ? e.code : `not a VfsError: ${String(e)}`));

function standard() {
  const working = new MemoryBackend();
  const semantic = new MemoryBackend();
  const vfs = new Vfs({
    "/mem/working": working,
    "/mem/semantic": semantic,
    "/policy": new SyntheticBackend({ "p.acp": "policy p {}" }),
    "/state/checkpoints": new MemoryBackend(),
  });
  return { vfs, working, semantic };
}

describe("MountTable", () => {
  it("resolves by the longest mount-point prefix, on segment boundaries", () => {
    const a = new MemoryBackend(), b = new MemoryBackend(), c = new MemoryBackend();
    const t = new MountTable({ "/": a, "/mem": b, "/mem/semantic": c });
    expect(t.resolve("/mem/semantic/x/y")).toEqual({ mount: "/mem/semantic", backend: c, rel: "x/y" });
    expect(t.resolve("/mem/semantic")).toEqual({ mount: "/mem/semantic", backend: c, rel: "" });
    expect(t.resolve("/mem/semantics")).toEqual({ mount: "/mem", backend: b, rel: "semantics" });
    expect(t.resolve("/memo")).toEqual({ mount: "/", backend: a, rel: "memo" });
    expect(t.resolve("/")).toEqual({ mount: "/", backend: a, rel: "" });
    expect(new MountTable({ "/mem/working": a }).resolve("/mem")).toBeNull();
  });

  it("knows the directories that lead to mount points", () => {
    const m = new MemoryBackend();
    const t = new MountTable({ "/mem/working": m, "/mem/semantic": m, "/state/checkpoints": m });
    expect(t.mountsBelow("/")).toEqual(["mem", "state"]);
    expect(t.mountsBelow("/mem")).toEqual(["semantic", "working"]);
    expect(t.mountsBelow("/mem/working")).toEqual([]);
  });

  it("refuses non-canonical mount points and non-backends", () => {
    expect(() => new MountTable({ "/mem/": new MemoryBackend() })).toThrow(/EINVAL/);
    expect(() => new MountTable({ "mem": new MemoryBackend() })).toThrow(/EINVAL/);
    expect(() => new MountTable({ "/mem/../etc": new MemoryBackend() })).toThrow(/EINVAL/);
    expect(() => new MountTable({ "/mem": {} as Backend })).toThrow(/EINVAL/);
  });
});

describe("Vfs", () => {
  it("forwards to the mount's backend with a mount-relative path", async () => {
    const { vfs, working } = standard();
    await vfs.write("/mem/working/notes/a.txt", "hi");
    expect(await working.read("notes/a.txt")).toBe("hi");
    expect(await vfs.read("/mem/working/notes/a.txt")).toBe("hi");
    expect(await vfs.list("/mem/working")).toEqual(["notes"]);
    expect(await vfs.stat("/mem/working/notes/a.txt")).toEqual({ kind: "file", size: 2 });
    await vfs.remove("/mem/working/notes/a.txt");
    expect(await vfs.list("/mem/working/notes")).toEqual([]);
  });

  it("readNow answers as read does where the backend holds files in memory, and leaves the rest to read", async () => {
    const { vfs } = standard();
    await vfs.write("/mem/working/a.txt", "hé");
    expect(vfs.readNow("/mem/working/a.txt")).toBe("hé");
    expect(vfs.readNow("/policy/p.acp")).toBe("policy p {}");
    const now = (p: string) => { try { vfs.readNow(p); return "ok"; } catch (e) { return e instanceof VfsError ? `${e.code} ${e.path}` : String(e); } };
    for (const p of ["/mem/working/none", "/mem/working", "/mem", "/elsewhere/x", "/mem/working/../x", "/policy/p.acp/x"]) {
      const later = await vfs.read(p).then(() => "ok", (e: VfsError) => `${e.code} ${e.path}`);
      expect(now(p), p).toBe(later);
    }
    // A backend without readNow (a host directory, say): undefined, and read is the way.
    const plain: Backend = { read: async () => "far away", write: async () => {}, list: async () => [], remove: async () => {}, stat: async () => null };
    const mixed = new Vfs({ "/far": plain });
    expect(mixed.readNow("/far/x")).toBeUndefined();
    expect(await mixed.read("/far/x")).toBe("far away");
    // A backend's own failure is EIO at the agent's path, as from read.
    const broken = new Vfs({ "/b": { ...plain, readNow: () => { throw new Error("disk on fire"); } } as Backend });
    expect(() => broken.readNow("/b/x")).toThrow(expect.objectContaining({ code: "EIO", path: "/b/x" }));
  });

  it("listNow lists what list lists, errors included, as the tree changes", async () => {
    const { vfs } = standard();
    const outcome = async (f: () => unknown) => { try { return ["ok", await f()]; } catch (e) { return e instanceof VfsError ? [e.code, e.path] : ["not a VfsError", String(e)]; } };
    const paths = ["/mem/working", "/mem/working/d", "/mem/working/d/x.txt", "/mem", "/", "/policy", "/nowhere", "/mem/working/../x"];
    const compare = async () => {
      for (const p of paths) expect(await outcome(() => vfs.listNow(p)), p).toEqual(await outcome(() => vfs.list(p)));
    };
    await compare();
    await vfs.write("/mem/working/d/x.txt", "one");
    await compare();
    await vfs.remove("/mem/working/d/x.txt");
    await compare();
    // A backend without the now-forms: undefined, and list is the way.
    const plain: Backend = { read: async () => "", write: async () => {}, list: async () => ["far"], remove: async () => {}, stat: async () => null };
    const far = new Vfs({ "/far": plain });
    expect(far.listNow("/far")).toBeUndefined();
    expect(await far.list("/far")).toEqual(["far"]);
  });

  it("keeps mounts apart", async () => {
    const { vfs, semantic } = standard();
    await vfs.write("/mem/working/x", "w");
    expect(await code(vfs.read("/mem/semantic/x"))).toBe("ENOENT");
    expect(await semantic.list("")).toEqual([]);
  });

  it("lists directories made of mount points", async () => {
    const { vfs } = standard();
    expect(await vfs.list("/")).toEqual(["mem", "policy", "state"]);
    expect(await vfs.list("/mem")).toEqual(["semantic", "working"]);
    expect(await vfs.list("/state")).toEqual(["checkpoints"]);
    expect(await vfs.stat("/mem")).toEqual({ kind: "dir", size: 0 });
    expect(await vfs.stat("/mem/working")).toEqual({ kind: "dir", size: 0 });
    expect(await vfs.stat("/nowhere")).toBeNull();
  });

  it("merges a backend's own entries with mount points below it, mounts shadowing files", async () => {
    const outer = new MemoryBackend();
    const vfs = new Vfs({ "/": outer, "/data/mnt": new MemoryBackend() });
    await vfs.write("/data/own.txt", "x");
    await outer.write("data/mnt", "shadowed file");
    expect(await vfs.list("/data")).toEqual(["mnt", "own.txt"]);
    expect(await vfs.list("/")).toEqual(["data"]);
    expect(await vfs.stat("/data/mnt")).toEqual({ kind: "dir", size: 0 });
    const deep = new Vfs({ "/": new MemoryBackend(), "/a/b/c": new MemoryBackend() });
    expect(await deep.list("/a")).toEqual(["b"]);
    expect(await deep.list("/a/b")).toEqual(["c"]);
  });

  it.each([
    ["read outside every mount", (v: Vfs) => v.read("/etc/passwd"), "ENOENT"],
    ["write outside every mount", (v: Vfs) => v.write("/mem/x.txt", "x"), "ENOENT"],
    ["list outside every mount", (v: Vfs) => v.list("/tmp"), "ENOENT"],
    ["remove outside every mount", (v: Vfs) => v.remove("/tmp"), "ENOENT"],
    ["read of a missing file", (v: Vfs) => v.read("/mem/working/nope"), "ENOENT"],
    ["read of a mount point", (v: Vfs) => v.read("/mem/working"), "EISDIR"],
    ["read of a directory of mounts", (v: Vfs) => v.read("/mem"), "EISDIR"],
    ["read of the root", (v: Vfs) => v.read("/"), "EISDIR"],
    ["write onto a directory of mounts", (v: Vfs) => v.write("/mem", "x"), "EISDIR"],
    ["write onto a mount point", (v: Vfs) => v.write("/mem/working", "x"), "EISDIR"],
    ["write below a file", (v: Vfs) => v.write("/mem/working/f/x", "x"), "ENOTDIR"],
    ["list of a file", (v: Vfs) => v.list("/mem/working/f"), "ENOTDIR"],
    ["remove of a mount point", (v: Vfs) => v.remove("/mem/working"), "EACCES"],
    ["remove of a directory of mounts", (v: Vfs) => v.remove("/mem"), "EACCES"],
    ["remove of the root", (v: Vfs) => v.remove("/"), "EACCES"],
    ["remove of a non-empty directory", (v: Vfs) => v.remove("/mem/working/d"), "EEXIST"],
    ["write to /policy", (v: Vfs) => v.write("/policy/p.acp", "allow *"), "EROFS"],
    ["remove in /policy", (v: Vfs) => v.remove("/policy/p.acp"), "EROFS"],
    ["a `..` path", (v: Vfs) => v.read("/mem/working/../../etc/passwd"), "EINVAL"],
    ["a `.` segment", (v: Vfs) => v.read("/mem/working/./f"), "EINVAL"],
    ["an empty segment", (v: Vfs) => v.read("/mem//working/f"), "EINVAL"],
    ["a trailing slash", (v: Vfs) => v.list("/mem/working/"), "EINVAL"],
    ["a relative path", (v: Vfs) => v.read("mem/working/f"), "EINVAL"],
    ["the empty path", (v: Vfs) => v.stat(""), "EINVAL"],
    ["a NUL byte", (v: Vfs) => v.write("/mem/working/a\0b", "x"), "EINVAL"],
    ["a non-string path", (v: Vfs) => v.read(7 as unknown as string), "EINVAL"],
    ["a non-string body", (v: Vfs) => v.write("/mem/working/g", { a: 1 } as unknown as string), "EINVAL"],
    ["a reserved name", (v: Vfs) => v.write("/mem/working/.acp-tmp-x", "x"), "EINVAL"],
    ["a path over 4096 bytes", (v: Vfs) => v.read(`/mem/working/${"a/".repeat(2100)}b`), "ENAMETOOLONG"],
    ["a name over 255 bytes", (v: Vfs) => v.write(`/mem/working/${"n".repeat(256)}`, "x"), "ENAMETOOLONG"],
  ])("%s → %s", async (_what, op, expected) => {
    const { vfs } = standard();
    await vfs.write("/mem/working/f", "file");
    await vfs.write("/mem/working/d/inner", "x");
    expect(await code(op(vfs))).toBe(expected);
  });

  it("names the agent's absolute path in errors, not the backend's relative one", async () => {
    const { vfs } = standard();
    await expect(vfs.read("/mem/working/missing.txt")).rejects.toThrow("ENOENT: /mem/working/missing.txt: no such file or directory");
    await expect(vfs.write("/policy/p.acp", "")).rejects.toThrow("EROFS: /policy/p.acp: read-only mount");
  });

  it("turns a foreign backend failure into EIO and keeps the cause", async () => {
    const boom = new Error("socket hang up at 10.0.0.3");
    const broken: Backend = {
      read: async () => { throw boom; }, write: async () => {}, list: () => { throw boom; },
      remove: async () => {}, stat: async () => null,
    };
    const vfs = new Vfs({ "/ext": broken });
    const e = await vfs.read("/ext/x").catch((x: unknown) => x);
    expect(e).toBeInstanceOf(VfsError);
    expect((e as VfsError).code).toBe("EIO");
    expect((e as VfsError).message).not.toContain("10.0.0.3");
    expect((e as VfsError).cause).toBe(boom);
    expect(await code(vfs.list("/ext"))).toBe("EIO");
  });

  it("snapshots every mount that can, as one cut, and restores them", async () => {
    const { vfs } = standard();
    await vfs.write("/mem/working/a", "1");
    await vfs.write("/mem/semantic/b", "2");
    const snap = await vfs.snapshot();
    expect([...snap.keys()]).toEqual(["/mem/semantic", "/mem/working", "/state/checkpoints"]);
    await vfs.write("/mem/working/a", "changed");
    await vfs.remove("/mem/semantic/b");
    await vfs.restore(snap);
    expect(await vfs.read("/mem/working/a")).toBe("1");
    expect(await vfs.read("/mem/semantic/b")).toBe("2");
    expect(await code(vfs.restore(new Map([["/policy", snap.get("/mem/working")!]])))).toBe("EINVAL");
  });

  it("lists its mount points", () => {
    expect(standard().vfs.mountPoints).toEqual(["/mem/semantic", "/mem/working", "/policy", "/state/checkpoints"]);
  });
});
