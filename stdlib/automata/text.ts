// Text helpers shared by the glob and regex front ends.

/** Escapes one code point for a `u`-flag RegExp source: alphanumerics stay, everything else is \u{…}. */
export function escapeRegexCodePoint(cp: number): string {
  if ((cp >= 0x30 && cp <= 0x39) || (cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a)) {
    return String.fromCodePoint(cp);
  }
  return `\\u{${cp.toString(16)}}`;
}

/**
 * Offset of the first unpaired surrogate, or -1. Patterns must be well-formed Unicode: an
 * unpaired surrogate has no UTF-8 encoding (TextEncoder turns it into U+FFFD), so the automaton
 * and a JS RegExp would disagree on it.
 */
export function findLoneSurrogate(src: string): number {
  for (let i = 0; i < src.length; i++) {
    const u = src.charCodeAt(i);
    if (u >= 0xd800 && u <= 0xdbff) {
      const v = src.charCodeAt(i + 1);
      if (v >= 0xdc00 && v <= 0xdfff) {
        i++;
        continue;
      }
      return i;
    }
    if (u >= 0xdc00 && u <= 0xdfff) return i;
  }
  return -1;
}
