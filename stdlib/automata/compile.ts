// Pattern → minimal byte-level DFA. Single patterns give accept label 1 when accepting;
// compileCombined builds the planner's index: one automaton for many patterns whose accept
// label names the set of patterns that match.
import type { Dfa } from "./dfa.js";
import { patternError, type PatternError, type TooLarge } from "./errors.js";
import { parseGlob, type GlobKind } from "./glob.js";
import { parseRegex } from "./regex.js";
import { addGlob, addRegex, NfaBuilder, regexNfaSize } from "./nfa.js";
import { determinize } from "./determinize.js";
import { minimize } from "./minimize.js";

export type { PatternError, TooLarge } from "./errors.js";
export { runDfa, runDfaBytes, dfaAccepts, acceptedPatterns } from "./run.js";

export interface CompileOptions {
  /** Upper bound on DFA states during determinization (before minimization). */
  maxStates?: number;
}

export type PatternKind = GlobKind | "regex";

export interface PatternSource {
  kind: PatternKind;
  src: string;
}

/** Default DFA budget for one pattern: far above any sensible glob or regex. */
export const DEFAULT_MAX_STATES = 100_000;
/** Default DFA budget for a combined automaton (10k path globs need a few tens of thousands). */
export const DEFAULT_MAX_COMBINED_STATES = 1_000_000;
/** A regex whose NFA would exceed this (e.g. nested `{1000}`) is rejected before building it. */
export const MAX_REGEX_NFA_STATES = 200_000;

type Added = null | PatternError;

function addPattern(b: NfaBuilder, p: PatternSource, label: number): Added {
  if (p.kind === "regex") {
    const ast = parseRegex(p.src);
    if ("code" in ast) return ast;
    if (regexNfaSize(ast) > MAX_REGEX_NFA_STATES) {
      return patternError("E0402", "regular expression too large (reduce the repetition counts)", 0);
    }
    addRegex(b, ast, label);
    return null;
  }
  const ast = parseGlob(p.src, p.kind);
  if ("code" in ast) return ast;
  addGlob(b, ast, label);
  return null;
}

function compileOne(p: PatternSource, opts: CompileOptions | undefined): Dfa | PatternError {
  const b = new NfaBuilder();
  const err = addPattern(b, p, 0);
  if (err) return err;
  const dfa = determinize(b.build(), opts?.maxStates ?? DEFAULT_MAX_STATES);
  if (!dfa) {
    const code = p.kind === "regex" ? "E0402" : "E0401";
    return patternError(code, "pattern too complex: its automaton exceeds the state budget", 0);
  }
  return minimize(dfa);
}

export function compileGlob(src: string, kind: GlobKind, opts?: CompileOptions): Dfa | PatternError {
  return compileOne({ kind, src }, opts);
}

export function compileRegex(src: string, opts?: CompileOptions): Dfa | PatternError {
  return compileOne({ kind: "regex", src }, opts);
}

/**
 * One DFA for all `patterns`: acceptSets[accept[state]] lists the indices of the patterns that
 * match. A bad pattern is returned as its PatternError with `pattern` set to its index.
 */
export function compileCombined(patterns: readonly PatternSource[], opts?: CompileOptions): Dfa | PatternError | TooLarge {
  const b = new NfaBuilder();
  for (let i = 0; i < patterns.length; i++) {
    const err = addPattern(b, patterns[i]!, i);
    if (err) return { ...err, pattern: i };
  }
  const dfa = determinize(b.build(), opts?.maxStates ?? DEFAULT_MAX_COMBINED_STATES);
  if (!dfa) return { code: "TOO_LARGE" };
  return minimize(dfa);
}
