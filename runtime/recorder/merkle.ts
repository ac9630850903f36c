// The Merkle tree over a flight log's records, as RFC 9162 (Certificate Transparency 2.0) hashes
// it: leaf = SHA-256(0x00 ‖ record line), node = SHA-256(0x01 ‖ left ‖ right), the tree over n
// leaves split at the largest power of two below n. A seal carries the root over every record
// before it; inclusion and consistency proofs check one record, or that a log only grew, against
// such a root without the whole log.
//
// Digests are 32-character latin1 strings (one character a byte) inside: node's one-shot hash
// returns them ~2.5× faster than a Buffer, and they compare and key maps as they are. `hex` and
// `fromHex` convert at the edges (JSON, proofs).
import { sha256Bytes, sha256Concat } from "./digest.js";

export type Digest = string;

const LEAF = Uint8Array.of(0x00);
const NODE = 0x01;

export const hex = (d: Digest): string => Buffer.from(d, "latin1").toString("hex");
export const fromHex = (h: string): Digest => Buffer.from(h, "hex").toString("latin1");
export const isHexDigest = (h: unknown): h is string => typeof h === "string" && /^[0-9a-f]{64}$/.test(h);

/** The root of the empty tree: SHA-256 of nothing. */
export const EMPTY_ROOT: Digest = sha256Bytes(new Uint8Array(0));

/** The leaf hash of one record: its line's bytes, without the newline. */
export function leafHash(line: Uint8Array): Digest {
  return sha256Concat(LEAF, line);
}

const nodeInput = Buffer.alloc(65);
export function nodeHash(left: Digest, right: Digest): Digest {
  nodeInput[0] = NODE;
  // By hand: two Buffer writes (calls into C++) cost more than the 64 bytes.
  for (let i = 0; i < 32; i++) {
    nodeInput[1 + i] = left.charCodeAt(i);
    nodeInput[33 + i] = right.charCodeAt(i);
  }
  return sha256Bytes(nodeInput);
}

/**
 * The right edge of a tree being built a leaf at a time: the roots of its perfect subtrees, largest
 * first, one for each bit set in `size`. Appending costs one leaf's worth of node hashes on average;
 * the root folds the edge from the right.
 */
export class Frontier {
  private constructor(public size: number, private readonly stack: Digest[]) {}

  static empty(): Frontier {
    return new Frontier(0, []);
  }

  /** A frontier as `toHex` wrote it. Throws RangeError when the digests do not fit `size`. */
  static fromHex(size: number, digests: readonly string[]): Frontier {
    if (!Number.isSafeInteger(size) || size < 0 || popcount(size) !== digests.length || !digests.every(isHexDigest)) {
      throw new RangeError(`a frontier of ${size} leaves has ${popcount(size)} digests, not ${digests.length}`);
    }
    return new Frontier(size, digests.map(fromHex));
  }

  clone(): Frontier {
    return new Frontier(this.size, [...this.stack]);
  }

  push(leaf: Digest): void {
    let h = leaf;
    for (let n = this.size; n & 1; n = Math.floor(n / 2)) h = nodeHash(this.stack.pop()!, h);
    this.stack.push(h);
    this.size++;
  }

  root(): Digest {
    if (this.stack.length === 0) return EMPTY_ROOT;
    let r = this.stack[this.stack.length - 1]!;
    for (let i = this.stack.length - 2; i >= 0; i--) r = nodeHash(this.stack[i]!, r);
    return r;
  }

  toHex(): string[] {
    return this.stack.map(hex);
  }
}

function popcount(n: number): number {
  let c = 0;
  for (; n > 0; n = Math.floor(n / 2)) c += n & 1;
  return c;
}

/** The largest power of two smaller than n (n ≥ 2). */
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** MTH over leaves[lo, hi). */
export function treeRoot(leaves: readonly Digest[], lo = 0, hi = leaves.length): Digest {
  const n = hi - lo;
  if (n === 0) return EMPTY_ROOT;
  if (n === 1) return leaves[lo]!;
  const k = split(n);
  return nodeHash(treeRoot(leaves, lo, lo + k), treeRoot(leaves, lo + k, hi));
}

/** PATH(m, D[0:size]) of RFC 9162 2.1.3.1: the audit path of leaf m in the tree of the first `size` leaves. */
export function inclusionPath(leaves: readonly Digest[], m: number, size: number): Digest[] {
  if (!(m >= 0 && m < size && size <= leaves.length)) throw new RangeError(`no leaf ${m} in a tree of ${size}`);
  const path: Digest[] = [];
  const walk = (m: number, lo: number, hi: number): void => {
    const n = hi - lo;
    if (n <= 1) return;
    const k = split(n);
    if (m < k) { walk(m, lo, lo + k); path.push(treeRoot(leaves, lo + k, hi)); }
    else { walk(m - k, lo + k, hi); path.push(treeRoot(leaves, lo, lo + k)); }
  };
  walk(m, 0, size);
  return path;
}

/** PROOF(m, D[0:n]) of RFC 9162 2.1.4.1: that the tree of the first m leaves is a prefix of the tree of n. */
export function consistencyPath(leaves: readonly Digest[], m: number, n: number): Digest[] {
  if (!(m > 0 && m <= n && n <= leaves.length)) throw new RangeError(`no consistency proof from ${m} to ${n} leaves`);
  const path: Digest[] = [];
  const sub = (m: number, lo: number, hi: number, whole: boolean): void => {
    const n = hi - lo;
    if (m === n) { if (!whole) path.push(treeRoot(leaves, lo, hi)); return; }
    const k = split(n);
    if (m <= k) { sub(m, lo, lo + k, whole); path.push(treeRoot(leaves, lo + k, hi)); }
    else { sub(m - k, lo + k, hi, false); path.push(treeRoot(leaves, lo, lo + k)); }
  };
  sub(m, 0, n, true);
  return path;
}

/** RFC 9162 2.1.3.2: does `leaf` sit at `index` of a tree of `size` leaves whose root is `root`? */
export function verifyInclusion(index: number, size: number, leaf: Digest, path: readonly Digest[], root: Digest): boolean {
  if (!(Number.isSafeInteger(index) && Number.isSafeInteger(size) && index >= 0 && index < size)) return false;
  let fn = index, sn = size - 1, r = leaf;
  for (const p of path) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (fn % 2 === 0) while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && r === root;
}

/** RFC 9162 2.1.4.2: is the tree of `first` leaves with root `firstRoot` a prefix of the one of `second` with `secondRoot`? */
export function verifyConsistency(first: number, second: number, firstRoot: Digest, secondRoot: Digest, path: readonly Digest[]): boolean {
  if (!(Number.isSafeInteger(first) && Number.isSafeInteger(second) && first > 0 && first <= second)) return false;
  if (first === second) return path.length === 0 && firstRoot === secondRoot;
  if (path.length === 0) return false;
  let proof = path;
  // When the first tree is a perfect subtree on the left, its root is the proof's implicit start.
  if (isPowerOfTwo(first)) proof = [firstRoot, ...path];
  let fn = first - 1, sn = second - 1;
  while (fn % 2 === 1) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
  let fr = proof[0]!, sr = proof[0]!;
  for (const c of proof.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (fn % 2 === 0) while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return fr === firstRoot && sr === secondRoot && sn === 0;
}

function isPowerOfTwo(n: number): boolean {
  return n > 0 && (n & (n - 1)) === 0;
}
