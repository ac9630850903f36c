// UTF-8 facts the automata rely on. Pattern DFAs run over the UTF-8 bytes of JS strings, which
// are always well-formed (TextEncoder replaces lone surrogates), so code-point sets can be encoded
// laxly: "any non-ASCII code point" is a lead byte followed by the right number of continuation
// bytes, without excluding overlongs or surrogates that never occur in real input.
import type { Dfa } from "./dfa.js";
import { dfaFromByteFunction } from "./classes.js";

export type ByteRange = readonly [number, number];

/** The UTF-8 bytes of one code point. */
export function encodeCodePoint(cp: number): number[] {
  if (cp < 0x80) return [cp];
  if (cp < 0x800) return [0xc0 | (cp >> 6), 0x80 | (cp & 0x3f)];
  if (cp < 0x10000) return [0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f)];
  return [0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 0x3f), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f)];
}

const CONT: ByteRange = [0x80, 0xbf];

/**
 * Lax encoding of "any non-ASCII code point": each entry is a byte-range sequence.
 * Lead ranges are kept wide (C0-DF, E0-EF, F0-FF) so they cost few byte classes.
 */
export const NON_ASCII_SEQUENCES: readonly (readonly ByteRange[])[] = [
  [[0xc0, 0xdf], CONT],
  [[0xe0, 0xef], CONT, CONT],
  [[0xf0, 0xff], CONT, CONT, CONT],
];

/**
 * Strict UTF-8 validity (what TextEncoder can produce: no overlongs, no surrogates, at most
 * U+10FFFF). Accepts exactly the byte strings that are complete well-formed UTF-8. The verifier
 * intersects with it so that every region it reports has a real JS string as witness.
 */
export function utf8ValidityDfa(): Dfa {
  // States: 1 boundary (start, accepting); 2 need 1 more; 3 need 2; 4 need 2 after E0 (A0-BF);
  // 5 need 2 after ED (80-9F, no surrogates); 6 need 3; 7 need 3 after F0 (90-BF);
  // 8 need 3 after F4 (80-8F).
  const inRange = (b: number, lo: number, hi: number) => b >= lo && b <= hi;
  const delta = (s: number, b: number): number => {
    switch (s) {
      case 1:
        if (b < 0x80) return 1;
        if (inRange(b, 0xc2, 0xdf)) return 2;
        if (b === 0xe0) return 4;
        if (b === 0xed) return 5;
        if (inRange(b, 0xe1, 0xef)) return 3;
        if (b === 0xf0) return 7;
        if (b === 0xf4) return 8;
        if (inRange(b, 0xf1, 0xf3)) return 6;
        return 0;
      case 2:
        return inRange(b, 0x80, 0xbf) ? 1 : 0;
      case 3:
        return inRange(b, 0x80, 0xbf) ? 2 : 0;
      case 4:
        return inRange(b, 0xa0, 0xbf) ? 2 : 0;
      case 5:
        return inRange(b, 0x80, 0x9f) ? 2 : 0;
      case 6:
        return inRange(b, 0x80, 0xbf) ? 3 : 0;
      case 7:
        return inRange(b, 0x90, 0xbf) ? 3 : 0;
      case 8:
        return inRange(b, 0x80, 0x8f) ? 3 : 0;
      default:
        return 0;
    }
  };
  return dfaFromByteFunction(9, 1, [0, 1, 0, 0, 0, 0, 0, 0, 0], delta);
}
