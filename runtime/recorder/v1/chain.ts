// The first log format's hash chain (acp-flight/1), read side only: each record's hash was SHA-256
// over `prev` followed by the canonical JSON of the record without `hash`.
import { canonicalJson } from "../canonical-json.js";
import { sha256Hex } from "../digest.js";

/** `prev` of the first record. */
export const GENESIS_HASH = "0".repeat(64);

/** The hash a parsed record ought to carry. */
export function recomputeHash(record: { prev: string; hash?: unknown }): string {
  const { hash: _omitted, ...body } = record;
  return sha256Hex(record.prev + canonicalJson(body));
}
