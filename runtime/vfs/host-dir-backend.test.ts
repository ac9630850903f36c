// Confinement on a real directory: every way a rel path or a planted link could lead outside the
// root is tried, under both anchoring modes, and the outside tree must come out untouched.
import { execFileSync } from "node:child_process";
import { promises as fsp } from "node:fs";
import { chmod, lstat, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { VfsError } from "./errors.js";
import { HostDirBackend } from "./host-dir-backend.js";
import { RESERVED_PREFIX } from "./rel-path.js";

const code = (p: Promise<unknown>) => p.then(() => "ok", (e) => (e instanceof VfsError ? e.code : `not a VfsError: ${String(e)}`));

let base: string, root: string, outside: string;
beforeEach(async () => {
  base = await mkdtemp(path.join(os.tmpdir(), "acp-vfs-host-"));
  root = path.join(base, "root");
  outside = path.join(base, "outside");
  await mkdir(path.join(root, "inner"), { recursive: true });
  await mkdir(path.join(outside, "sub"), { recursive: true });
  await writeFile(path.join(outside, "secret.txt"), "SECRET");
  await writeFile(path.join(outside, "sub", "deep.txt"), "DEEP");
  await writeFile(path.join(root, "inner", "ok.txt"), "inside");
  await symlink(path.join(outside, "secret.txt"), path.join(root, "abs-file-link"));
  await symlink("../outside/secret.txt", path.join(root, "rel-file-link"));
  await symlink(outside, path.join(root, "dir-link"));
  await symlink("../../outside", path.join(root, "inner", "deep-dir-link"));
  await symlink(path.join(root, "inner"), path.join(root, "inside-link"));
  await symlink(path.join(outside, "created-through-link.txt"), path.join(root, "dangling"));
});
afterEach(async () => {
  vi.restoreAllMocks();
  await rm(base, { recursive: true, force: true });
});

/** Every file below `dir` with its contents, links as their targets: a fingerprint of the outside. */
async function tree(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const d of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, d.name);
    if (d.isDirectory()) for (const [k, v] of Object.entries(await tree(p))) out[`${d.name}/${k}`] = v;
    else out[d.name] = d.isSymbolicLink() ? `-> ${await fsp.readlink(p)}` : await readFile(p, "utf8");
  }
  return out;
}

const LINK_PATHS = [
  "abs-file-link", "rel-file-link", "dangling", "dir-link", "inside-link",
  "dir-link/secret.txt", "dir-link/sub/deep.txt", "inner/deep-dir-link/secret.txt",
  "inner/deep-dir-link/sub", "inside-link/ok.txt",
];

describe.each(["proc", "path"] as const)("host dir, %s anchoring", (anchoring) => {
  const open = (opts = {}) => HostDirBackend.open(root, { anchoring, ...opts });

  it("uses the requested anchoring", async () => {
    expect((await open()).anchoring).toBe(anchoring);
  });

  it.each(LINK_PATHS)("refuses every operation through the link at %s with EACCES", async (rel) => {
    const b = await open();
    const before = await tree(outside);
    const rootBefore = await tree(root);
    expect(await code(b.read(rel))).toBe("EACCES");
    expect(await code(b.write(rel, "pwned"))).toBe("EACCES");
    expect(await code(b.write(`${rel}/x.txt`, "pwned"))).toBe("EACCES");
    expect(await code(b.list(rel))).toBe("EACCES");
    expect(await code(b.remove(rel))).toBe("EACCES");
    expect(await code(b.stat(rel))).toBe("EACCES");
    expect(await tree(outside)).toEqual(before);
    expect(await tree(root)).toEqual(rootBefore);
  });

  it("hides links from listings and never follows them", async () => {
    const b = await open();
    expect(await b.list("")).toEqual(["inner"]);
    expect(await b.list("inner")).toEqual(["ok.txt"]);
  });

  it.each(["../outside/secret.txt", "/etc/passwd", "tmp/../../etc/passwd", "inner/../../outside/secret.txt", "inner/./ok.txt", "inner//ok.txt", "inner/", "./inner", ".."])(
    "refuses the rel path %j with EINVAL",
    async (rel) => {
      const b = await open();
      const before = await tree(base);
      for (const op of [b.read(rel), b.write(rel, "x"), b.list(rel), b.remove(rel), b.stat(rel)]) expect(await code(op)).toBe("EINVAL");
      expect(await tree(base)).toEqual(before);
    },
  );

  it("is read-only when asked: EROFS on write and remove, reads still work", async () => {
    const b = await open({ readOnly: true });
    expect(await code(b.write("inner/ok.txt", "changed"))).toBe("EROFS");
    expect(await code(b.write("new.txt", "x"))).toBe("EROFS");
    expect(await code(b.remove("inner/ok.txt"))).toBe("EROFS");
    expect(await b.read("inner/ok.txt")).toBe("inside");
    expect(await readdir(root)).not.toContain("new.txt");
  });

  it("refuses to read a planted file over maxFileBytes", async () => {
    await writeFile(path.join(root, "big.bin"), "x".repeat(100));
    const b = await open({ maxFileBytes: 99 });
    expect(await code(b.read("big.bin"))).toBe("EFBIG");
  });

  it("decodes invalid UTF-8 planted by the host with U+FFFD", async () => {
    await writeFile(path.join(root, "bad.txt"), Buffer.from([0x61, 0xff, 0x62]));
    expect(await (await open()).read("bad.txt")).toBe("a\uFFFDb");
  });

  it("does not hang on a FIFO and refuses it; listings hide it", async () => {
    execFileSync("mkfifo", [path.join(root, "pipe")]);
    const b = await open();
    expect(await code(b.read("pipe"))).toBe("EACCES");
    expect(await code(b.write("pipe", "x"))).toBe("EACCES");
    expect(await code(b.stat("pipe"))).toBe("EACCES");
    expect(await b.list("")).toEqual(["inner"]);
  });

  it("keeps a replaced file's mode and refuses files the host made read-only", async () => {
    const b = await open();
    await writeFile(path.join(root, "private.txt"), "a");
    await chmod(path.join(root, "private.txt"), 0o600);
    await b.write("private.txt", "b");
    expect((await stat(path.join(root, "private.txt"))).mode & 0o777).toBe(0o600);
    await chmod(path.join(root, "private.txt"), 0o444);
    expect(await code(b.write("private.txt", "c"))).toBe("EACCES");
    expect(await readFile(path.join(root, "private.txt"), "utf8")).toBe("b");
  });

  it("replaces atomically: a concurrent reader sees the old or the new file, never a mix", async () => {
    const b = await open();
    const old = "o".repeat(4 * 1024 * 1024);
    const next = "n".repeat(4 * 1024 * 1024);
    await b.write("big.txt", old);
    let done = false;
    const seen = new Set<string>();
    const writing = b.write("big.txt", next).finally(() => { done = true; });
    while (!done) {
      const s = await readFile(path.join(root, "big.txt"), "utf8");
      seen.add(s === old ? "old" : s === next ? "new" : `mixed ${s.length}`);
    }
    await writing;
    seen.add((await readFile(path.join(root, "big.txt"), "utf8")) === next ? "new" : "bad end");
    expect([...seen].filter((s) => s !== "old" && s !== "new")).toEqual([]);
    expect((await readdir(root)).filter((n) => n.startsWith(RESERVED_PREFIX))).toEqual([]);
  });

  it("leaves no staged file behind when a write fails", async () => {
    const b = await open();
    await mkdir(path.join(root, "inner", "dir"));
    vi.spyOn(fsp, "rename").mockRejectedValueOnce(Object.assign(new Error("disk on fire"), { code: "EIO" }));
    expect(await code(b.write("inner/new.txt", "x"))).toBe("EIO");
    expect(await readdir(path.join(root, "inner"))).toEqual(["deep-dir-link", "dir", "ok.txt"]);
  });

  it("never puts the host path in an error message", async () => {
    const b = await open();
    vi.spyOn(fsp, "rename").mockRejectedValueOnce(Object.assign(new Error(`EIO: ${root}/x`), { code: "EIO" }));
    const errors = await Promise.all([b.write("inner/x", "x"), b.read("dir-link/secret.txt"), b.read("nope")].map((p) => p.catch((e: Error) => e.message)));
    for (const m of errors) expect(m).not.toContain(base);
  });

  it("closes every descriptor it opens, on success and on failure", async () => {
    const b = await open();
    const fds = async () => (await readdir("/proc/self/fd")).length;
    const before = await fds();
    for (let i = 0; i < 50; i++) {
      await b.write(`a/b/c/f${i % 5}`, "x");
      await b.read(`a/b/c/f${i % 5}`);
      await b.list("a/b");
      await b.stat("a/b/c");
      for (const rel of ["nope/x", "dir-link/secret.txt", "inner/deep-dir-link/sub", "a/b/c/f0/x"]) await b.read(rel).catch(() => undefined);
    }
    expect(await fds()).toBeLessThan(before + 5);
  });
});

describe("host dir, links swapped in after a check", () => {
  it("/proc anchoring: a parent swapped for a link after it was opened is not followed", async () => {
    const b = await HostDirBackend.open(root, { anchoring: "proc", durable: false });
    const realOpen = fsp.open.bind(fsp);
    let swapped = false;
    vi.spyOn(fsp, "open").mockImplementation(async (...args: Parameters<typeof fsp.open>) => {
      const h = await realOpen(...args);
      const p = String(args[0]);
      if (!swapped && p.endsWith("/inner") && p.startsWith("/proc/self/fd/")) {
        swapped = true;
        await fsp.rename(path.join(root, "inner"), path.join(root, "inner.moved"));
        await symlink(outside, path.join(root, "inner"));
      }
      return h;
    });
    await b.write("inner/secret.txt", "written");
    expect(swapped).toBe(true);
    expect(await readFile(path.join(outside, "secret.txt"), "utf8")).toBe("SECRET");
    expect(await readFile(path.join(root, "inner.moved", "secret.txt"), "utf8")).toBe("written");
  });

  it.each(["proc", "path"] as const)("%s anchoring: a leaf swapped for a link after its check is replaced, not written through", async (anchoring) => {
    const b = await HostDirBackend.open(root, { anchoring, durable: false });
    const realLstat = fsp.lstat.bind(fsp);
    let swapped = false;
    vi.spyOn(fsp, "lstat").mockImplementation((async (p: string, opts?: object) => {
      const st = await realLstat(p, opts as undefined);
      if (!swapped && String(p).endsWith("/target.txt")) {
        swapped = true;
        await rm(path.join(root, "inner", "target.txt"));
        await symlink(path.join(outside, "secret.txt"), path.join(root, "inner", "target.txt"));
      }
      return st;
    }) as typeof fsp.lstat);
    await writeFile(path.join(root, "inner", "target.txt"), "before");
    await b.write("inner/target.txt", "after");
    expect(swapped).toBe(true);
    expect(await readFile(path.join(outside, "secret.txt"), "utf8")).toBe("SECRET");
    expect((await lstat(path.join(root, "inner", "target.txt"))).isFile()).toBe(true);
    expect(await readFile(path.join(root, "inner", "target.txt"), "utf8")).toBe("after");
  });

  it("a leaf swapped for a link before a read is refused by O_NOFOLLOW", async () => {
    const b = await HostDirBackend.open(root, { anchoring: "proc" });
    const realOpen = fsp.open.bind(fsp);
    vi.spyOn(fsp, "open").mockImplementation(async (...args: Parameters<typeof fsp.open>) => {
      if (String(args[0]).endsWith("/ok.txt")) {
        await rm(path.join(root, "inner", "ok.txt"));
        await symlink(path.join(outside, "secret.txt"), path.join(root, "inner", "ok.txt"));
      }
      return realOpen(...args);
    });
    expect(await code(b.read("inner/ok.txt"))).toBe("EACCES");
  });
});

describe("HostDirBackend.open", () => {
  it("chooses /proc anchoring on Linux and resolves the root once", async () => {
    await symlink(root, path.join(base, "root-link"));
    const b = await HostDirBackend.open(path.join(base, "root-link"));
    expect(b.anchoring).toBe(process.platform === "linux" ? "proc" : "path");
    expect(b.root).toBe(await fsp.realpath(root));
    expect(await b.read("inner/ok.txt")).toBe("inside");
  });

  it("refuses a missing root, a file as root, and bad limits", async () => {
    expect(await code(HostDirBackend.open(path.join(base, "missing")))).toBe("ENOENT");
    expect(await code(HostDirBackend.open(path.join(outside, "secret.txt")))).toBe("ENOTDIR");
    expect(await code(HostDirBackend.open(root, { maxFileBytes: -1 }))).toBe("EINVAL");
    expect(await code(HostDirBackend.open(root, { maxBytes: 1.5 }))).toBe("EINVAL");
  });
});

describe("host dir quota (maxBytes)", () => {
  it("starts from the files already there (links not followed), refuses growth past it with ENOSPC, and gives back what is removed", async () => {
    // "inside" (6 bytes) is the only regular file under the root; the links point outside.
    const b = await HostDirBackend.open(root, { maxBytes: 20 });
    expect(b.usedBytes).toBe(6);
    await b.write("a.txt", "1234567890");
    expect(b.usedBytes).toBe(16);
    expect(await code(b.write("b.txt", "12345"))).toBe("ENOSPC");
    expect(await b.stat("b.txt")).toBeNull();
    await b.write("a.txt", "1");            // a replacement that shrinks frees space
    expect(b.usedBytes).toBe(7);
    await b.write("b.txt", "1234567890123");
    expect(await code(b.write("c.txt", "x"))).toBe("ENOSPC");
    await b.remove("b.txt");
    expect(b.usedBytes).toBe(7);
    expect(await readdir(root)).not.toContain("b.txt");
  });

  it("holds under concurrent writes: the space is taken before the write, not after", async () => {
    const b = await HostDirBackend.open(root, { maxBytes: 6 + 30 });
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => code(b.write(`f${i}`, "0123456789"))));
    expect(results.filter((r) => r === "ok")).toHaveLength(3);
    expect(results.filter((r) => r === "ENOSPC")).toHaveLength(5);
    expect(b.usedBytes).toBe(36);
  });
});
