// File contents are UTF-8 on every backend. A JS string with a lone surrogate has no UTF-8 form, so
// every backend stores what a UTF-8 round trip would give back: each lone surrogate becomes U+FFFD.

const LONE_SURROGATE = /\p{Cs}/u;
const LONE_SURROGATES = /\p{Cs}/gu;

const nativeWellFormed = (String.prototype as { isWellFormed?: (this: string) => boolean }).isWellFormed;

/** False for a string with a lone surrogate (no UTF-8 form). */
export function isWellFormed(s: string): boolean {
  return nativeWellFormed ? nativeWellFormed.call(s) : !LONE_SURROGATE.test(s);
}

export function wellFormed(s: string): string {
  return LONE_SURROGATE.test(s) ? s.replace(LONE_SURROGATES, "\uFFFD") : s;
}

export function utf8Bytes(s: string): number {
  return Buffer.byteLength(s, "utf8");
}
