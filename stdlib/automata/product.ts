// Product exploration for the verifier: which combinations of "pattern i accepts" can hold for
// the same input, each with a shortest witness. Exact: a breadth-first search over the reachable
// product states, restricted to well-formed UTF-8 so every witness is a real JS string.
import type { Dfa } from "./dfa.js";
import type { TooLarge } from "./errors.js";
import { utf8ValidityDfa } from "./utf8.js";

export { canonicalPathDfa } from "./canonical.js";

export interface Region {
  /** accepts[i]: whether dfas[i] accepts the witness. */
  accepts: boolean[];
  /** A shortest input (in UTF-8 bytes) reaching this combination. */
  witness: string;
}

export interface RegionOptions {
  /** Upper bound on explored product states. */
  maxStates?: number;
}

export const DEFAULT_MAX_PRODUCT_STATES = 1_000_000;

/**
 * Preference among bytes of one class, smaller first: letters, digits, upper case, punctuation,
 * space, controls, then non-ASCII (C3 first, so two-byte witnesses read as Latin letters like À).
 */
function byteRank(b: number): number {
  if (b >= 0x61 && b <= 0x7a) return b - 0x61;
  if (b >= 0x30 && b <= 0x39) return 26 + b - 0x30;
  if (b >= 0x41 && b <= 0x5a) return 36 + b - 0x41;
  if (b > 0x20 && b < 0x7f) return 62 + b;
  if (b === 0x20) return 200;
  if (b < 0x80) return 300 + b;
  if (b === 0xc3) return 500;
  return 600 + b;
}

/** Joint byte classes of several DFAs, each with its preferred byte, in preference order. */
function jointRepresentatives(dfas: readonly Dfa[]): number[] {
  const best = new Map<string, number>();
  for (let b = 0; b < 256; b++) {
    const key = dfas.map((d) => d.classOf[b]).join(",");
    const cur = best.get(key);
    if (cur === undefined || byteRank(b) < byteRank(cur)) best.set(key, b);
  }
  return [...best.values()].sort((a, b) => byteRank(a) - byteRank(b));
}

/**
 * Every combination of accepting DFAs reachable at the end of some well-formed UTF-8 input, in
 * order of shortest witness. Witnesses prefer readable ASCII: among shortest inputs, the search
 * tries each byte class's most readable byte first.
 */
export function regions(dfas: readonly Dfa[], opts?: RegionOptions): Region[] | TooLarge {
  const maxStates = opts?.maxStates ?? DEFAULT_MAX_PRODUCT_STATES;
  const all = [...dfas, utf8ValidityDfa()];
  const m = all.length;
  const valid = m - 1;
  const reps = jointRepresentatives(all);

  const tuples: number[] = []; // product state i occupies tuples[i*m .. i*m+m)
  const parent: number[] = [];
  const viaByte: number[] = [];
  const ids = new Map<string, number>();
  const add = (tuple: number[], from: number, byte: number): void => {
    const key = tuple.join(",");
    if (ids.has(key)) return;
    ids.set(key, parent.length);
    for (const s of tuple) tuples.push(s);
    parent.push(from);
    viaByte.push(byte);
  };
  add(all.map((d) => d.start), -1, -1);

  const found = new Map<string, Region>();
  const possible = dfas.length < 31 ? 2 ** dfas.length : Infinity;
  const decoder = new TextDecoder("utf-8", { fatal: true });
  const witness = (i: number): string => {
    const bytes: number[] = [];
    for (let j = i; parent[j]! >= 0; j = parent[j]!) bytes.push(viaByte[j]!);
    return decoder.decode(Uint8Array.from(bytes.reverse()));
  };

  for (let i = 0; i < parent.length && found.size < possible; i++) {
    const tuple = tuples.slice(i * m, i * m + m);
    if (all[valid]!.accept[tuple[valid]!] !== 0) {
      const accepts = dfas.map((d, j) => d.accept[tuple[j]!] !== 0);
      const key = accepts.map((a) => (a ? "1" : "0")).join("");
      if (!found.has(key)) found.set(key, { accepts, witness: witness(i) });
    }
    for (const b of reps) {
      const next = tuple.map((s, j) => {
        const d = all[j]!;
        return d.trans[s * d.numClasses + d.classOf[b]!]!;
      });
      if (next[valid] === 0) continue; // not a prefix of well-formed UTF-8
      add(next, i, b);
      if (parent.length > maxStates) return { code: "TOO_LARGE" };
    }
  }
  return [...found.values()];
}
