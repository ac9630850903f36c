// Code-point sets as they occur in the regex subset: classes have ASCII members only, so every
// set (a class, `.`, `\d`, `\W`, ...) is "some ASCII code points, plus either all non-ASCII code
// points or none". Negation stays inside that shape, which keeps both the byte encoding and the
// JS rendering exact.

export interface CharSet {
  /** ascii[c] is 1 when ASCII code point c (0..127) is a member. */
  ascii: Uint8Array;
  /** Whether every code point >= 0x80 is a member. */
  nonAscii: boolean;
}

export function emptySet(): CharSet {
  return { ascii: new Uint8Array(128), nonAscii: false };
}

export function addRange(set: CharSet, lo: number, hi: number): void {
  for (let c = lo; c <= hi; c++) set.ascii[c] = 1;
}

export function addSet(set: CharSet, other: CharSet): void {
  for (let c = 0; c < 128; c++) if (other.ascii[c]) set.ascii[c] = 1;
  if (other.nonAscii) set.nonAscii = true;
}

export function negate(set: CharSet): CharSet {
  const ascii = new Uint8Array(128);
  for (let c = 0; c < 128; c++) ascii[c] = set.ascii[c] ? 0 : 1;
  return { ascii, nonAscii: !set.nonAscii };
}

function fromRanges(ranges: ReadonlyArray<readonly [number, number]>): CharSet {
  const set = emptySet();
  for (const [lo, hi] of ranges) addRange(set, lo, hi);
  return set;
}

/** `\d`: ASCII digits only (docs/reference.md pins the ASCII meaning). */
export const digitSet = (): CharSet => fromRanges([[0x30, 0x39]]);
/** `\w`: [A-Za-z0-9_]. */
export const wordSet = (): CharSet => fromRanges([[0x30, 0x39], [0x41, 0x5a], [0x5f, 0x5f], [0x61, 0x7a]]);
/** `\s`: [ \t\n\r\f\v] — no Unicode spaces. */
export const spaceSet = (): CharSet => fromRanges([[0x20, 0x20], [0x09, 0x0d]]);
/** `.`: any code point but `\n` (\r, U+2028 and U+2029 included, unlike JS's `.`). */
export const dotSet = (): CharSet => negate(fromRanges([[0x0a, 0x0a]]));

/** Maximal runs of ASCII members, as inclusive [lo, hi] pairs. */
export function asciiRanges(set: CharSet): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let c = 0;
  while (c < 128) {
    if (!set.ascii[c]) {
      c++;
      continue;
    }
    const lo = c;
    while (c < 128 && set.ascii[c]) c++;
    out.push([lo, c - 1]);
  }
  return out;
}
