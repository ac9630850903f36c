// The language of canonical paths (docs/reference.md, "Canonical path"), so the verifier can
// restrict fs globs to the paths the kernel can actually present. The 4096-byte cap is left out:
// it is a length bound, not a shape, and would cost 4096 states.
import type { Dfa } from "./dfa.js";
import { dfaFromByteFunction } from "./classes.js";

const SLASH = 0x2f;
const DOT = 0x2e;
const NUL = 0x00;

/** `/` alone, or one or more `/seg` with seg non-empty, not `.` or `..`, without `/` or NUL. */
export function canonicalPathDfa(): Dfa {
  // 1 start; 2 root `/` (accepting); 3 inside a good segment (accepting); 4 segment is `.`;
  // 5 segment is `..`; 6 after a later `/` (an empty segment so far: not accepting).
  const delta = (s: number, b: number): number => {
    if (s === 1) return b === SLASH ? 2 : 0;
    if (b === NUL) return 0;
    switch (s) {
      case 2:
      case 6:
        return b === SLASH ? 0 : b === DOT ? 4 : 3;
      case 3:
        return b === SLASH ? 6 : 3;
      case 4:
        return b === SLASH ? 0 : b === DOT ? 5 : 3;
      case 5:
        return b === SLASH ? 0 : 3;
      default:
        return 0;
    }
  };
  return dfaFromByteFunction(7, 1, [0, 0, 1, 1, 0, 0, 0], delta);
}
