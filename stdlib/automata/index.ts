// Public surface of the pattern automata library: globs and regexes (docs/reference.md) compiled to
// minimal byte-level DFAs over UTF-8 (state 0 dead), a combined multi-pattern index for the
// planner, and product exploration with witnesses for the verifier. Bad patterns come back as
// PatternError values (E0401 glob, E0402 regex); budgets exceeded come back as TOO_LARGE.
export type { Dfa } from "./dfa.js";
export { isPatternError, type PatternError, type PatternErrorCode, type TooLarge } from "./errors.js";
export { parseGlob, globRegexSource, type GlobAst, type GlobKind, type GlobToken } from "./glob.js";
export { parseRegex, regexToJs, MAX_REPEAT, type RegexAst, type RegexNode, type RegexAlternative } from "./regex.js";
export {
  compileGlob,
  compileRegex,
  compileCombined,
  DEFAULT_MAX_STATES,
  DEFAULT_MAX_COMBINED_STATES,
  MAX_REGEX_NFA_STATES,
  type CompileOptions,
  type PatternKind,
  type PatternSource,
} from "./compile.js";
export { runDfa, runDfaBytes, dfaAccepts, acceptedPatterns } from "./run.js";
export { regions, canonicalPathDfa, DEFAULT_MAX_PRODUCT_STATES, type Region, type RegionOptions } from "./product.js";
export { utf8ValidityDfa } from "./utf8.js";
