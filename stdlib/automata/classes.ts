// Byte classes: a partition of 0..255 such that bytes in one class are interchangeable in every
// transition. Tables are indexed by class, not byte, so a DFA row is as wide as its alphabet
// actually needs (a typical glob uses a handful of classes instead of 256 columns).
import type { Dfa } from "./dfa.js";

export interface ByteClasses {
  classOf: Uint8Array;
  numClasses: number;
  /** For each class, the sorted bytes it contains. */
  members: number[][];
}

/**
 * The coarsest partition that every inclusive range [lo, hi] respects: two bytes share a class
 * iff every range contains both or neither. Classes are numbered by their smallest byte.
 */
export function classesFromRanges(ranges: Iterable<readonly [number, number]>): ByteClasses {
  // Refine by signature: a byte's class id is replaced by (old id, inside range?) for each
  // distinct range. Deduplicating ranges first keeps this at 256 work per distinct range.
  const seen = new Set<number>();
  let cls = new Int32Array(256);
  for (const [lo, hi] of ranges) {
    const key = lo * 256 + hi;
    if (seen.has(key)) continue;
    seen.add(key);
    const remap = new Map<number, number>();
    const next = new Int32Array(256);
    for (let b = 0; b < 256; b++) {
      const sig = cls[b]! * 2 + (b >= lo && b <= hi ? 1 : 0);
      let id = remap.get(sig);
      if (id === undefined) {
        id = remap.size;
        remap.set(sig, id);
      }
      next[b] = id;
    }
    cls = next;
  }
  return normalize(cls);
}

/** Renumbers an arbitrary byte → id labelling into classes numbered by smallest member. */
function normalize(labels: ArrayLike<number>): ByteClasses {
  const remap = new Map<number, number>();
  const classOf = new Uint8Array(256);
  const members: number[][] = [];
  for (let b = 0; b < 256; b++) {
    let id = remap.get(labels[b]!);
    if (id === undefined) {
      id = remap.size;
      remap.set(labels[b]!, id);
      members.push([]);
    }
    classOf[b] = id;
    members[id]!.push(b);
  }
  return { classOf, numClasses: members.length, members };
}

/**
 * Merges classes whose columns are identical in `dfa` (minimization can make two classes
 * indistinguishable). Returns a new Dfa; states and accept labels are unchanged.
 */
export function compressClasses(dfa: Dfa): Dfa {
  const { numStates, numClasses, trans } = dfa;
  const colKey = new Map<string, number>();
  const oldToNew = new Int32Array(numClasses);
  const keep: number[] = [];
  for (let c = 0; c < numClasses; c++) {
    const col = new Array<number>(numStates);
    for (let s = 0; s < numStates; s++) col[s] = trans[s * numClasses + c]!;
    const key = col.join(",");
    let id = colKey.get(key);
    if (id === undefined) {
      id = keep.length;
      colKey.set(key, id);
      keep.push(c);
    }
    oldToNew[c] = id;
  }
  if (keep.length === numClasses) return dfa;
  const labels = new Int32Array(256);
  for (let b = 0; b < 256; b++) labels[b] = oldToNew[dfa.classOf[b]!]!;
  const { classOf, numClasses: k } = normalize(labels);
  // normalize may renumber; map each new class back to one old representative column.
  const rep = new Int32Array(k);
  for (let b = 0; b < 256; b++) rep[classOf[b]!] = dfa.classOf[b]!;
  const out = new Uint32Array(numStates * k);
  for (let s = 0; s < numStates; s++) {
    for (let c = 0; c < k; c++) out[s * k + c] = trans[s * numClasses + rep[c]!]!;
  }
  return { ...dfa, classOf, numClasses: k, trans: out };
}

/**
 * Builds a Dfa from a per-byte transition function (for small hand-written automata such as
 * UTF-8 validity and canonical paths). `accepting[s]` gives the accept label of state s.
 */
export function dfaFromByteFunction(
  numStates: number,
  start: number,
  accepting: readonly number[],
  delta: (state: number, byte: number) => number,
): Dfa {
  const k = 256;
  const trans = new Uint32Array(numStates * k);
  for (let s = 0; s < numStates; s++) {
    for (let b = 0; b < 256; b++) trans[s * k + b] = s === 0 ? 0 : delta(s, b);
  }
  const identity = new Uint8Array(256);
  for (let b = 0; b < 256; b++) identity[b] = b;
  const accept = Uint32Array.from(accepting);
  const maxLabel = accepting.reduce((m, x) => Math.max(m, x), 0);
  const acceptSets: number[][] = [[]];
  for (let i = 1; i <= maxLabel; i++) acceptSets.push([i - 1]);
  return compressClasses({ classOf: identity, numClasses: k, numStates, start, trans, accept, acceptSets });
}
