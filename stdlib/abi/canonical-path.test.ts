// The path checks take a one-scan shortcut for short paths; they must judge every path exactly as
// the segment-by-segment definitions below do.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MAX_PATH_BYTES, canonicalizePath, isCanonicalPath } from "./canonical-path.js";

const bytes = (p: string) => new TextEncoder().encode(p).length;

function referenceIsCanonical(p: string): boolean {
  if (p.length === 0 || p[0] !== "/") return false;
  if (p === "/") return true;
  if (p.includes("\0") || bytes(p) > MAX_PATH_BYTES) return false;
  return p.split("/").slice(1).every((s) => s !== "" && s !== "." && s !== "..");
}

function referenceCanonicalize(p: string): string | string[] {
  if (p.includes("\0") || !p.startsWith("/")) return ["EINVAL"];
  const out: string[] = [];
  for (const s of p.split("/")) {
    if (s === "" || s === ".") continue;
    if (s === "..") out.pop(); else out.push(s);
  }
  const c = "/" + out.join("/");
  return bytes(c) > MAX_PATH_BYTES ? ["ENAMETOOLONG"] : c;
}

const seg = fc.constantFrom("", ".", "..", "a", "é", "\0", "...", ".a", "a.", "..a", "a..", "\t", "\n", "a\r", "\u2028", "\u2029", "x".repeat(1500), "€".repeat(700));
const path = fc.tuple(fc.array(seg, { maxLength: 6 }), fc.boolean(), fc.boolean()).map(([segs, lead, trail]) => (lead ? "/" : "") + segs.join("/") + (trail ? "/" : ""));

describe("canonical paths", () => {
  it("isCanonicalPath judges every path as the segment-by-segment definition does", () => {
    fc.assert(fc.property(path, (p) => { expect(isCanonicalPath(p), JSON.stringify(p)).toBe(referenceIsCanonical(p)); }), { numRuns: 3000 });
    for (const p of ["/", "//", "/.", "/..", "/a/", "/a/.", "/a/./b", "/.a", "/a..", "/a\0"]) expect(isCanonicalPath(p), p).toBe(referenceIsCanonical(p));
  });

  it("canonicalizePath gives what the segment-by-segment definition gives", () => {
    fc.assert(fc.property(path, (p) => {
      const got = canonicalizePath(p);
      expect(typeof got === "string" ? got : [got.code], JSON.stringify(p)).toEqual(referenceCanonicalize(p));
    }), { numRuns: 3000 });
  });
});
