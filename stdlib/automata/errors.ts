// Bad patterns are user input, so they are reported as values, never thrown: the checker turns a
// PatternError into a diagnostic at the pattern literal's span (offset is relative to the pattern).

export type PatternErrorCode = "E0401" | "E0402" | "E0403";

export interface PatternError {
  /** E0401 invalid glob, E0402 invalid regular expression, E0403 invalid CIDR. */
  code: PatternErrorCode;
  message: string;
  /** UTF-16 offset into the pattern source where the problem starts. */
  offset: number;
  /** Set by compileCombined: the index of the offending pattern in its input list. */
  pattern?: number;
}

/** An automaton would exceed its state budget (not the user's fault: callers fall back or report). */
export interface TooLarge {
  code: "TOO_LARGE";
}

export function patternError(code: PatternErrorCode, message: string, offset: number): PatternError {
  return { code, message, offset };
}

/** Distinguishes an error from a successful result without a class hierarchy (results are plain data). */
export function isPatternError(x: unknown): x is PatternError {
  return (
    typeof x === "object" &&
    x !== null &&
    "code" in x &&
    typeof (x as { code: unknown }).code === "string" &&
    /^E04\d\d$/.test((x as { code: string }).code)
  );
}
