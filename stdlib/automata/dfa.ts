// The deterministic automaton every pattern (glob, URL glob, regex) compiles to. Byte-level over
// UTF-8, with byte classes to keep tables small. Matching is one table lookup per byte: linear
// time, no backtracking. The same structure is laid into WASM memory by compiler/codegen/data.ts.

export interface Dfa {
  /** byte → class, length 256. */
  classOf: Uint8Array;
  numClasses: number;
  numStates: number;
  /** State 0 is always the dead state (no accept, loops to itself). */
  start: number;
  /** Transition table, row-major: next = trans[state * numClasses + classOf[byte]]. */
  trans: Uint32Array;
  /**
   * Accept labels per state: for a single pattern, 1 when accepting and 0 otherwise; for a
   * combined automaton, an id into `acceptSets` (0 means no pattern accepts).
   */
  accept: Uint32Array;
  /** For combined automata: acceptSets[id] = sorted pattern indices accepted in that state; acceptSets[0] = []. */
  acceptSets: number[][];
}
