// Thompson NFAs over bytes, built from glob and regex ASTs. Several patterns can share one
// builder (compileCombined): each pattern's accepting states carry the pattern's index as label.
import type { GlobAst } from "./glob.js";
import type { RegexAst, RegexNode } from "./regex.js";
import { asciiRanges, type CharSet } from "./charset.js";
import { encodeCodePoint, NON_ASCII_SEQUENCES } from "./utf8.js";

/**
 * Adjacency in CSR form (flat typed arrays, no per-state objects: the planner's index has over
 * 100k NFA states). Epsilon successors of s are epsTo[epsStart[s] .. epsStart[s+1]); byte edges
 * of s are k in [edgeStart[s], edgeStart[s+1]) with inclusive range edgeLo[k]..edgeHi[k] → edgeTo[k].
 */
export interface Nfa {
  numStates: number;
  epsStart: Int32Array;
  epsTo: Int32Array;
  edgeStart: Int32Array;
  edgeLo: Uint8Array;
  edgeHi: Uint8Array;
  edgeTo: Int32Array;
  /** label[s]: index of the pattern that accepts in s, or -1. */
  label: Int32Array;
  /** owner[s]: index of the pattern s was built for. */
  owner: Int32Array;
  /** The initial states (one per pattern); the DFA starts in their epsilon closure. */
  starts: number[];
}

export class NfaBuilder {
  private readonly labels: number[] = [];
  private readonly owners: number[] = [];
  private readonly epsList: number[] = []; // [from, to, ...]
  private readonly edgeList: number[] = []; // [from, lo, hi, to, ...]
  private readonly starts: number[] = [];
  /** The pattern whose states are being built (recorded in `owner`). */
  private current = -1;

  /** Starts building pattern `label`: creates and registers its start state. */
  beginPattern(label: number): number {
    this.current = label;
    const start = this.state();
    this.starts.push(start);
    return start;
  }

  state(): number {
    this.labels.push(-1);
    this.owners.push(this.current);
    return this.labels.length - 1;
  }

  accepting(s: number): void {
    this.labels[s] = this.current;
  }

  epsilon(from: number, to: number): void {
    this.epsList.push(from, to);
  }

  edge(from: number, lo: number, hi: number, to: number): void {
    this.edgeList.push(from, lo, hi, to);
  }

  /** Adds a chain for the UTF-8 bytes of `text` starting at `from`; returns the end state. */
  literal(from: number, text: string): number {
    let cur = from;
    for (const ch of text) {
      for (const byte of encodeCodePoint(ch.codePointAt(0)!)) {
        const next = this.state();
        this.edge(cur, byte, byte, next);
        cur = next;
      }
    }
    return cur;
  }

  build(): Nfa {
    const n = this.labels.length;
    const eps = this.epsList;
    const epsStart = bucketStarts(n, eps, 2);
    const epsTo = new Int32Array(eps.length / 2);
    const epsFill = epsStart.slice(0, n);
    for (let i = 0; i < eps.length; i += 2) epsTo[epsFill[eps[i]!]!++] = eps[i + 1]!;
    const es = this.edgeList;
    const edgeStart = bucketStarts(n, es, 4);
    const m = es.length / 4;
    const edgeLo = new Uint8Array(m);
    const edgeHi = new Uint8Array(m);
    const edgeTo = new Int32Array(m);
    const edgeFill = edgeStart.slice(0, n);
    for (let i = 0; i < es.length; i += 4) {
      const k = edgeFill[es[i]!]!++;
      edgeLo[k] = es[i + 1]!;
      edgeHi[k] = es[i + 2]!;
      edgeTo[k] = es[i + 3]!;
    }
    return {
      numStates: n,
      epsStart,
      epsTo,
      edgeStart,
      edgeLo,
      edgeHi,
      edgeTo,
      label: Int32Array.from(this.labels),
      owner: Int32Array.from(this.owners),
      starts: [...this.starts],
    };
  }
}

/** Counting-sort offsets for a flat list of records of `width` numbers whose first is the state. */
function bucketStarts(n: number, list: readonly number[], width: number): Int32Array {
  const start = new Int32Array(n + 1);
  for (let i = 0; i < list.length; i += width) start[list[i]! + 1]!++;
  for (let s = 0; s < n; s++) start[s + 1]! += start[s]!;
  return start;
}

/** Complement of a set of ASCII bytes within 0..255, as inclusive ranges. */
function bytesExcept(excluded: string): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  const ex = [...excluded].map((c) => c.charCodeAt(0)).sort((a, b) => a - b);
  let lo = 0;
  for (const b of ex) {
    if (b > lo) out.push([lo, b - 1]);
    lo = b + 1;
  }
  if (lo <= 255) out.push([lo, 255]);
  return out;
}

/**
 * Adds a glob; returns its start state. Globs need no epsilons: a star is a self-loop on the
 * current state (stars are never adjacent, since `**` inside a segment is rejected).
 * Stars loop over bytes, not code points: `/`, `.` and `:` are ASCII and never occur inside a
 * multi-byte UTF-8 sequence, so on well-formed input "code points other than X" and "bytes other
 * than X" accept the same strings, and the byte form keeps the DFA smaller.
 */
export function addGlob(b: NfaBuilder, ast: GlobAst, label: number): number {
  const start = b.beginPattern(label);
  let cur = start;
  for (const tok of ast.tokens) {
    if (tok.t === "lit") cur = b.literal(cur, tok.text);
    else if (tok.t === "star") for (const [lo, hi] of bytesExcept(tok.exclude)) b.edge(cur, lo, hi, cur);
    else b.edge(cur, 0, 255, cur);
  }
  b.accepting(cur);
  return start;
}

type Frag = [start: number, end: number];

function setFrag(b: NfaBuilder, set: CharSet): Frag {
  const s = b.state();
  const e = b.state();
  for (const [lo, hi] of asciiRanges(set)) b.edge(s, lo, hi, e);
  if (set.nonAscii) {
    // need[k]: k continuation bytes still to read before the code point is complete.
    const need = [e];
    for (const seq of NON_ASCII_SEQUENCES) {
      while (need.length < seq.length) {
        const n = b.state();
        const [clo, chi] = seq[need.length]!;
        b.edge(n, clo, chi, need[need.length - 1]!);
        need.push(n);
      }
      const [lo, hi] = seq[0]!;
      b.edge(s, lo, hi, need[seq.length - 1]!);
    }
  }
  return [s, e];
}

function frag(b: NfaBuilder, n: RegexNode): Frag {
  switch (n.t) {
    case "empty": {
      const s = b.state();
      return [s, s];
    }
    case "char": {
      const s = b.state();
      return [s, b.literal(s, String.fromCodePoint(n.cp))];
    }
    case "set":
      return setFrag(b, n.set);
    case "group":
      return frag(b, n.node);
    case "cat": {
      const s = b.state();
      let cur = s;
      for (const item of n.items) {
        const [fs, fe] = frag(b, item);
        b.epsilon(cur, fs);
        cur = fe;
      }
      return [s, cur];
    }
    case "alt": {
      const s = b.state();
      const e = b.state();
      for (const item of n.items) {
        const [fs, fe] = frag(b, item);
        b.epsilon(s, fs);
        b.epsilon(fe, e);
      }
      return [s, e];
    }
    case "repeat": {
      const s = b.state();
      let cur = s;
      for (let i = 0; i < n.min; i++) {
        const [fs, fe] = frag(b, n.node);
        b.epsilon(cur, fs);
        cur = fe;
      }
      if (n.max === null) {
        const loop = b.state();
        b.epsilon(cur, loop);
        const [fs, fe] = frag(b, n.node);
        b.epsilon(loop, fs);
        b.epsilon(fe, loop);
        return [s, loop];
      }
      // Optional copies: after each one, the repetition may stop.
      const e = b.state();
      for (let i = n.min; i < n.max; i++) {
        b.epsilon(cur, e);
        const [fs, fe] = frag(b, n.node);
        b.epsilon(cur, fs);
        cur = fe;
      }
      b.epsilon(cur, e);
      return [s, e];
    }
  }
}

/**
 * Adds a regex with search semantics; returns its start state. An alternative without `^` may
 * start anywhere (a leading any-byte loop) and one without `$` may end anywhere (a trailing
 * any-byte loop that stays accepting, since every extension of a match still contains it).
 * Body matches start on a code point boundary because every body edge begins with an ASCII or
 * lead byte, so the byte-level loops are exact on well-formed input.
 */
export function addRegex(b: NfaBuilder, ast: RegexAst, label: number): number {
  const start = b.beginPattern(label);
  let prefix = -1;
  let suffix = -1;
  for (const alt of ast.alternatives) {
    const [fs, fe] = frag(b, alt.body);
    if (alt.anchorStart) b.epsilon(start, fs);
    else {
      if (prefix < 0) {
        prefix = b.state();
        b.edge(prefix, 0, 255, prefix);
        b.epsilon(start, prefix);
      }
      b.epsilon(prefix, fs);
    }
    if (alt.anchorEnd) b.accepting(fe);
    else {
      if (suffix < 0) {
        suffix = b.state();
        b.edge(suffix, 0, 255, suffix);
        b.accepting(suffix);
      }
      b.epsilon(fe, suffix);
    }
  }
  return start;
}

/** An upper bound on the NFA states addRegex creates, computed before building anything. */
export function regexNfaSize(ast: RegexAst): number {
  const size = (n: RegexNode): number => {
    switch (n.t) {
      case "empty":
        return 1;
      case "char":
        return 1 + encodeCodePoint(n.cp).length;
      case "set":
        return 2 + NON_ASCII_SEQUENCES.length;
      case "group":
        return size(n.node);
      case "cat":
        return 1 + n.items.reduce((acc, item) => acc + size(item), 0);
      case "alt":
        return 2 + n.items.reduce((acc, item) => acc + size(item), 0);
      case "repeat":
        return 2 + size(n.node) * (n.max === null ? n.min + 1 : Math.max(n.max, 1));
    }
  };
  return 3 + ast.alternatives.reduce((acc, a) => acc + size(a.body), 0);
}
