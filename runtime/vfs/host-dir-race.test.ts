// A host process keeps swapping a directory inside the root for a link to outside while the backend
// works on paths through it. With /proc anchoring no interleaving may read, list, write or remove
// anything outside. (The portable "path" anchoring documents that it cannot promise this.)
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, expect, it } from "vitest";
import { VfsError } from "./errors.js";
import { HostDirBackend } from "./host-dir-backend.js";

// Each rename onto `d` fails while the backend has just made `d` in a gap; removing that directory
// (never the link, never outside) lets the flipping go on.
const FLIPPER = `
const fs = require("node:fs");
const [D, REAL, LNK] = process.argv.slice(1);
const move = (a, b) => { for (;;) { try { fs.renameSync(a, b); return; } catch (e) { if (e.code === "ENOENT") return; fs.rmSync(b, { recursive: true, force: true }); } } };
for (;;) { move(D, REAL); move(LNK, D); move(D, LNK); move(REAL, D); }
`;

let base: string | undefined;
afterEach(async () => { if (base) await rm(base, { recursive: true, force: true }); });

it("a directory flipping to a link to outside never exposes or changes the outside", async () => {
  base = await mkdtemp(path.join(os.tmpdir(), "acp-vfs-race-"));
  const root = path.join(base, "root");
  const outside = path.join(base, "outside");
  await mkdir(path.join(root, "d"), { recursive: true });
  await mkdir(outside);
  await writeFile(path.join(root, "d", "shared.txt"), "INSIDE");
  await writeFile(path.join(outside, "shared.txt"), "SECRET");
  await writeFile(path.join(outside, "outside-only.txt"), "SECRET");
  await symlink(outside, path.join(root, "d.lnk"));
  const b = await HostDirBackend.open(root, { durable: false });
  expect(b.anchoring).toBe("proc");

  const child = spawn(process.execPath, ["-e", FLIPPER, path.join(root, "d"), path.join(root, "d.real"), path.join(root, "d.lnk")], { stdio: "ignore" });
  const codes = new Map<string, number>();
  const note = (k: string) => codes.set(k, (codes.get(k) ?? 0) + 1);
  const leaks: string[] = [];
  try {
    for (let i = 0; i < 50_000 && (i < 2_000 || !codes.has("EACCES") || !codes.has("ok")); i++) {
      const op = i % 6;
      try {
        if (op === 0) {
          const s = await b.read("d/shared.txt");
          if (s !== "INSIDE" && s !== "WRITTEN") leaks.push(`read ${s}`);
        } else if (op === 1) {
          await b.read("d/outside-only.txt");
          leaks.push("read outside-only.txt");
        } else if (op === 2) {
          const names = await b.list("d");
          if (names.includes("outside-only.txt")) leaks.push("listed outside-only.txt");
        } else if (op === 3) {
          if ((await b.stat("d/outside-only.txt")) !== null) leaks.push("stat outside-only.txt");
        } else if (op === 4) {
          await b.write("d/shared.txt", "WRITTEN");
        } else {
          await b.remove("d/outside-only.txt");
          leaks.push("removed outside-only.txt");
        }
        note("ok");
      } catch (e) {
        if (!(e instanceof VfsError)) throw e;
        note(e.code);
      }
    }
  } finally {
    child.kill("SIGKILL");
  }
  expect(leaks).toEqual([]);
  expect(await readFile(path.join(outside, "shared.txt"), "utf8")).toBe("SECRET");
  expect((await readdir(outside)).sort()).toEqual(["outside-only.txt", "shared.txt"]);
  // The race really happened: some operations met the link, some the directory.
  expect(codes.get("EACCES")).toBeGreaterThan(0);
  expect(codes.get("ok")).toBeGreaterThan(0);
  // EIO: the walk gave up on a directory that changed under it on every retry.
  expect([...codes.keys()].filter((c) => !["ok", "EACCES", "ENOENT", "EIO"].includes(c)), JSON.stringify([...codes])).toEqual([]);
});
