import { describe, expect, it } from "vitest";
import { VfsError } from "./errors.js";
import { SyntheticBackend } from "./synthetic-backend.js";

const code = (p: Promise<unknown>) => p.then(() => "ok", (e) => (e instanceof VfsError ? e.code : String(e)));

describe("SyntheticBackend", () => {
  it("serves strings and calls functions on every read", async () => {
    let version = 1;
    const b = new SyntheticBackend({ "policy.acp": "policy p {}", "manifest.json": () => `{"v":${version}}`, "nested/x.json": "{}" });
    expect(await b.read("policy.acp")).toBe("policy p {}");
    expect(await b.read("manifest.json")).toBe('{"v":1}');
    version = 2;
    expect(await b.read("manifest.json")).toBe('{"v":2}');
    expect(await b.stat("manifest.json")).toEqual({ kind: "file", size: 7 });
    expect(await b.list("")).toEqual(["manifest.json", "nested", "policy.acp"]);
    expect(await b.list("nested")).toEqual(["x.json"]);
    expect(await b.stat("nested")).toEqual({ kind: "dir", size: 0 });
    expect(await b.stat("missing")).toBeNull();
  });

  it.each([
    ["write", (b: SyntheticBackend) => b.write("policy.acp", "x"), "EROFS"],
    ["write of a new file", (b: SyntheticBackend) => b.write("new.txt", "x"), "EROFS"],
    ["remove", (b: SyntheticBackend) => b.remove("policy.acp"), "EROFS"],
    ["remove of the root", (b: SyntheticBackend) => b.remove(""), "EROFS"],
    ["read of a missing file", (b: SyntheticBackend) => b.read("nope"), "ENOENT"],
    ["read of a directory", (b: SyntheticBackend) => b.read("nested"), "EISDIR"],
    ["read below a file", (b: SyntheticBackend) => b.read("policy.acp/x"), "ENOTDIR"],
    ["list of a file", (b: SyntheticBackend) => b.list("policy.acp"), "ENOTDIR"],
    ["list of a missing directory", (b: SyntheticBackend) => b.list("nope"), "ENOENT"],
    ["a `..` path", (b: SyntheticBackend) => b.read("../etc/passwd"), "EINVAL"],
    ["a `..` path on write", (b: SyntheticBackend) => b.write("../x", "x"), "EINVAL"],
    ["a generator that throws", (b: SyntheticBackend) => b.read("broken"), "EIO"],
    ["a generator that returns a non-string", (b: SyntheticBackend) => b.read("odd"), "EIO"],
  ])("%s → %s", async (_what, op, expected) => {
    const b = new SyntheticBackend({
      "policy.acp": "p", "nested/x.json": "{}",
      broken: () => { throw new Error("boom"); },
      odd: (() => 42) as unknown as () => string,
    });
    expect(await code(op(b))).toBe(expected);
  });

  it("refuses contents it could not serve", () => {
    expect(() => new SyntheticBackend({ "../x": "" })).toThrow(/EINVAL/);
    expect(() => new SyntheticBackend({ "": "" })).toThrow(/EISDIR/);
    expect(() => new SyntheticBackend({ a: "", "a/b": "" })).toThrow(/ENOTDIR/);
    expect(() => new SyntheticBackend({ "a/b": "", a: "" })).toThrow(/EEXIST/);
    expect(() => new SyntheticBackend({ a: 1 as unknown as string })).toThrow(/EINVAL/);
  });
});
