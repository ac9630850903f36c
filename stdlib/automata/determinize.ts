// Subset construction over byte classes: each DFA state is the set of NFA states reachable on
// some input, and transitions are computed once per class instead of once per byte.
import type { Dfa } from "./dfa.js";
import type { Nfa } from "./nfa.js";
import { classesFromRanges } from "./classes.js";

/**
 * Determinizes `nfa`. Accept labels are ids into `acceptSets` (the sorted NFA labels present in
 * the state; id 0 is the empty set). Returns null when more than `maxStates` states would be
 * needed, so callers can report the pattern as too large instead of exhausting memory.
 */
export function determinize(nfa: Nfa, maxStates: number): Dfa | null {
  const { numStates: n, epsStart, epsTo, edgeStart, edgeLo, edgeHi, edgeTo, label, owner } = nfa;

  const ranges: Array<[number, number]> = [];
  const seenRange = new Set<number>();
  for (let e = 0; e < edgeLo.length; e++) {
    const key = edgeLo[e]! * 256 + edgeHi[e]!;
    if (!seenRange.has(key)) {
      seenRange.add(key);
      ranges.push([edgeLo[e]!, edgeHi[e]!]);
    }
  }
  const { classOf, numClasses: k } = classesFromRanges(ranges);
  const classesOfRange = new Map<number, number[]>();
  for (const [lo, hi] of ranges) {
    const cs = new Set<number>();
    for (let b = lo; b <= hi; b++) cs.add(classOf[b]!);
    classesOfRange.set(lo * 256 + hi, [...cs]);
  }
  const edgeClasses = (e: number) => classesOfRange.get(edgeLo[e]! * 256 + edgeHi[e]!)!;

  // Only states with byte edges or a label distinguish subsets; pure epsilon states are dropped
  // from the key so that subsets differing only in them are recognised as the same DFA state.
  const important = new Uint8Array(n);
  for (let s = 0; s < n; s++) important[s] = edgeStart[s + 1]! > edgeStart[s]! || label[s]! >= 0 ? 1 : 0;

  // An accepting sink (accepting, no epsilons, every byte loops back) means its pattern accepts
  // every extension of the input, so the pattern's other states no longer matter. Dropping them
  // keeps search-semantics regexes from multiplying equivalent subsets after a match.
  const sink = new Uint8Array(n);
  const covered = new Uint8Array(256);
  for (let s = 0; s < n; s++) {
    if (label[s]! < 0 || epsStart[s + 1]! > epsStart[s]!) continue;
    covered.fill(0);
    let loops = true;
    for (let e = edgeStart[s]!; e < edgeStart[s + 1]!; e++) {
      if (edgeTo[e] !== s) loops = false;
      covered.fill(1, edgeLo[e]!, edgeHi[e]! + 1);
    }
    sink[s] = loops && covered.every((x) => x === 1) ? 1 : 0;
  }
  const dropSettled = (set: number[]): number[] => {
    let settled: Set<number> | null = null;
    for (const s of set) if (sink[s]) (settled ??= new Set()).add(owner[s]!);
    return settled ? set.filter((s) => sink[s] || !settled.has(owner[s]!)) : set;
  };

  const stamp = new Int32Array(n);
  let gen = 0;
  const stack: number[] = [];
  const closure = (seeds: readonly number[]): number[] => {
    gen++;
    const out: number[] = [];
    for (const s of seeds) {
      if (stamp[s] === gen) continue;
      stamp[s] = gen;
      stack.push(s);
    }
    while (stack.length > 0) {
      const s = stack.pop()!;
      if (important[s]) out.push(s);
      for (let i = epsStart[s]!; i < epsStart[s + 1]!; i++) {
        const t = epsTo[i]!;
        if (stamp[t] === gen) continue;
        stamp[t] = gen;
        stack.push(t);
      }
    }
    return dropSettled(out.sort((a, b) => a - b));
  };

  const sets: number[][] = [[]];
  const ids = new Map<string, number>([["", 0]]);
  const acceptSets: number[][] = [[]];
  const acceptIds = new Map<string, number>([["", 0]]);
  const accept: number[] = [0];
  const trans: number[] = new Array<number>(k).fill(0);

  const acceptId = (set: readonly number[]): number => {
    const labels: number[] = [];
    for (const s of set) if (label[s]! >= 0) labels.push(label[s]!);
    if (labels.length === 0) return 0;
    const unique = [...new Set(labels)].sort((a, b) => a - b);
    const key = unique.join(",");
    let id = acceptIds.get(key);
    if (id === undefined) {
      id = acceptSets.length;
      acceptIds.set(key, id);
      acceptSets.push(unique);
    }
    return id;
  };
  const intern = (set: number[]): number => {
    const key = set.join(",");
    const known = ids.get(key);
    if (known !== undefined) return known;
    const id = sets.length;
    ids.set(key, id);
    sets.push(set);
    accept.push(acceptId(set));
    return id;
  };

  const start = intern(closure(nfa.starts));
  const buckets: number[][] = Array.from({ length: k }, () => []);
  const touched: number[] = [];
  for (let d = 1; d < sets.length; d++) {
    for (const s of sets[d]!) {
      for (let e = edgeStart[s]!; e < edgeStart[s + 1]!; e++) {
        for (const c of edgeClasses(e)) {
          const bucket = buckets[c]!;
          if (bucket.length === 0) touched.push(c);
          bucket.push(edgeTo[e]!);
        }
      }
    }
    const rowStart = trans.length;
    for (let c = 0; c < k; c++) trans.push(0);
    for (const c of touched) {
      trans[rowStart + c] = intern(closure(buckets[c]!));
      buckets[c]!.length = 0;
    }
    touched.length = 0;
    if (sets.length > maxStates) return null;
  }

  return {
    classOf,
    numClasses: k,
    numStates: sets.length,
    start,
    trans: Uint32Array.from(trans),
    accept: Uint32Array.from(accept),
    acceptSets,
  };
}
