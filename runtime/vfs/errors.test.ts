import { describe, expect, it } from "vitest";
import { VfsError, isVfsError } from "./errors.js";

describe("VfsError", () => {
  it("carries a code and names the path in its message", () => {
    const e = new VfsError("ENOENT", "/mem/working/a.txt");
    expect(e.code).toBe("ENOENT");
    expect(e.message).toBe("ENOENT: /mem/working/a.txt: no such file or directory");
    expect(new VfsError("EACCES", "", "no").message).toBe("EACCES: .: no");
    expect(isVfsError(e)).toBe(true);
    expect(isVfsError(e, "EIO")).toBe(false);
    expect(isVfsError(new Error("x"))).toBe(false);
  });

  it("re-labels a backend's relative path with the agent's path, keeping code, detail and cause", () => {
    const cause = new Error("host");
    const e = new VfsError("EFBIG", "a/b", "too big", { cause }).at("/mem/working/a/b");
    expect(e.message).toBe("EFBIG: /mem/working/a/b: too big");
    expect(e.cause).toBe(cause);
  });

  it("keeps messages short and printable for hostile paths", () => {
    const e = new VfsError("ENAMETOOLONG", "/" + "x".repeat(100_000) + "\n");
    expect(e.message.length).toBeLessThan(250);
    expect(new VfsError("EINVAL", "/a\0b\n").message).toBe("EINVAL: /a\\u0000b\\n: invalid argument");
  });
});
