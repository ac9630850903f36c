// The Merkle tree against RFC 6962 / 9162: the published test vectors, a reference MTH written from
// the RFC's definition, and every inclusion and consistency proof of small trees.
import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { consistencyPath, EMPTY_ROOT, Frontier, fromHex, hex, inclusionPath, leafHash, treeRoot, verifyConsistency, verifyInclusion, type Digest } from "./merkle.js";

// The certificate-transparency test vectors: the roots of the trees of the first 1..8 of these leaves.
const INPUTS = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"];
const ROOTS = [
  "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
  "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
  "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
  "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
  "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
  "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
  "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
  "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];

/** MTH as RFC 9162 2.1.1 defines it, on byte strings, independent of the module's code. */
function referenceMth(leaves: Buffer[]): Buffer {
  const sha = (...parts: Buffer[]) => createHash("sha256").update(Buffer.concat(parts)).digest();
  if (leaves.length === 0) return sha();
  if (leaves.length === 1) return sha(Buffer.of(0), leaves[0]!);
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return sha(Buffer.of(1), referenceMth(leaves.slice(0, k)), referenceMth(leaves.slice(k)));
}

const FOREIGN = leafHash(Buffer.from("not in any tree"));
const leavesOf = (n: number): Digest[] => Array.from({ length: n }, (_, i) => leafHash(Buffer.from(`record ${i}`)));

describe("Merkle tree (RFC 9162)", () => {
  it("gives the published roots for the test vectors, built a leaf at a time", () => {
    const f = Frontier.empty();
    expect(hex(f.root())).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    INPUTS.forEach((input, i) => {
      f.push(leafHash(Buffer.from(input, "hex")));
      expect(hex(f.root()), `${i + 1} leaves`).toBe(ROOTS[i]);
    });
    expect(hex(treeRoot(INPUTS.map((x) => leafHash(Buffer.from(x, "hex")))))).toBe(ROOTS[7]);
    expect(EMPTY_ROOT).toBe(fromHex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
  });

  it("builds the reference root for every size up to 130, and survives its own hex round trip", () => {
    const raw = Array.from({ length: 130 }, (_, i) => Buffer.from(`line ${i} ${"x".repeat(i % 7)}`));
    const f = Frontier.empty();
    raw.forEach((b, i) => {
      f.push(leafHash(b));
      expect(hex(f.root())).toBe(referenceMth(raw.slice(0, i + 1)).toString("hex"));
      const again = Frontier.fromHex(f.size, f.toHex());
      expect(again.root()).toBe(f.root());
    });
    expect(() => Frontier.fromHex(5, [hex(EMPTY_ROOT)])).toThrow(RangeError);
  });

  it("proves every leaf of every tree up to 70 leaves, and no leaf at a wrong index, with a wrong leaf or path", () => {
    const leaves = leavesOf(70);
    for (let n = 1; n <= 70; n++) {
      const root = treeRoot(leaves, 0, n);
      for (let m = 0; m < n; m++) {
        const path = inclusionPath(leaves, m, n);
        expect(verifyInclusion(m, n, leaves[m]!, path, root), `leaf ${m} of ${n}`).toBe(true);
        if (n > 1) expect(verifyInclusion((m + 1) % n, n, leaves[m]!, path, root)).toBe(false);
        expect(verifyInclusion(m, n, leaves[(m + 1) % 70]!, path, root)).toBe(false);
        if (path.length) {
          const bent = [...path];
          bent[m % path.length] = FOREIGN;
          expect(verifyInclusion(m, n, leaves[m]!, bent, root)).toBe(false);
          expect(verifyInclusion(m, n, leaves[m]!, path.slice(1), root)).toBe(false);
        }
      }
    }
  });

  it("proves every tree up to 40 leaves consistent with every smaller one, and refuses changed roots and paths", () => {
    const leaves = leavesOf(40);
    for (let n = 1; n <= 40; n++) {
      const second = treeRoot(leaves, 0, n);
      for (let m = 1; m <= n; m++) {
        const first = treeRoot(leaves, 0, m);
        const path = consistencyPath(leaves, m, n);
        expect(verifyConsistency(m, n, first, second, path), `${m} → ${n}`).toBe(true);
        if (m < n) {
          expect(verifyConsistency(m, n, FOREIGN, second, path)).toBe(false);
          expect(verifyConsistency(m, n, first, FOREIGN, path)).toBe(false);
          expect(verifyConsistency(m, n, first, second, path.slice(0, -1))).toBe(false);
          expect(verifyConsistency(m, n, first, second, [])).toBe(false);
          const bent = [...path];
          bent[0] = FOREIGN;
          expect(verifyConsistency(m, n, first, second, bent)).toBe(false);
        }
      }
    }
  });

  it("refuses a consistency proof between trees that share no prefix (a rewritten log)", () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 0, max: 30 }), fc.nat(29), (m, extra, at) => {
      const n = m + extra;
      const a = leavesOf(n);
      const b = [...a];
      const i = at % m;
      b[i] = leafHash(Buffer.from(`forged ${i}`));
      // The forger's new tree (b) cannot be proved to extend the old one (a's first m leaves).
      expect(verifyConsistency(m, n, treeRoot(a, 0, m), treeRoot(b, 0, n), consistencyPath(b, m, n))).toBe(false);
    }), { numRuns: 200 });
  });
});
