// Running a Dfa in JS: the same one-lookup-per-byte loop the WASM decision module executes,
// used by tests and by the reference interpreter's cross-checks.
import type { Dfa } from "./dfa.js";

const encoder = new TextEncoder();

/** The state reached after reading `bytes` from the start state. */
export function runDfaBytes(dfa: Dfa, bytes: Uint8Array): number {
  const { classOf, numClasses, trans } = dfa;
  let state = dfa.start;
  for (let i = 0; i < bytes.length && state !== 0; i++) state = trans[state * numClasses + classOf[bytes[i]!]!]!;
  return state;
}

/** The state reached after reading the UTF-8 encoding of `s`. */
export function runDfa(dfa: Dfa, s: string): number {
  return runDfaBytes(dfa, encoder.encode(s));
}

/** Whether any pattern of `dfa` accepts `s`. */
export function dfaAccepts(dfa: Dfa, s: string): boolean {
  return dfa.accept[runDfa(dfa, s)] !== 0;
}

/** For a combined automaton: the sorted indices of the patterns that accept `s`. */
export function acceptedPatterns(dfa: Dfa, s: string): number[] {
  return dfa.acceptSets[dfa.accept[runDfa(dfa, s)]!]!;
}
