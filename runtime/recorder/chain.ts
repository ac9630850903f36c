// One link of the hash chain: a record's hash is SHA-256 over `prev` followed by the canonical JSON
// of the record without `hash`, so editing, dropping or moving any record breaks every later link.
import { canonicalJson, quotedKey } from "./canonical-json.js";
import { sha256Hex } from "./digest.js";
import type { RecordBody } from "./record.js";

/** `prev` of the first record. */
export const GENESIS_HASH = "0".repeat(64);

export interface Linked {
  seq: number;
  hash: string;
  /** The record's canonical JSON and a newline: exactly what goes into the log. */
  line: string;
}

const CHAIN_KEYS = ["prev", "seq", "ts"] as const;

/**
 * Chains a body after `prev`. Each member is serialized once, into the half that sorts before
 * `hash` or the half after it: the hashed text is the two halves, the line has `hash` between them.
 */
export function linkRecord(body: RecordBody, seq: number, ts: number, prev: string): Linked {
  const b = body as unknown as Record<string, unknown>;
  const chain: Record<string, unknown> = { prev, seq, ts };
  const keys = [...Object.keys(b).filter((k) => !(k in chain)), ...CHAIN_KEYS].sort();
  let before = "", after = "";
  for (const k of keys) {
    const v = k in chain ? chain[k] : b[k];
    if (v === undefined) continue;
    const member = quotedKey(k) + ":" + canonicalJson(v);
    if (k < "hash") before += (before ? "," : "") + member;
    else after += (after ? "," : "") + member;
  }
  const hash = sha256Hex(prev + "{" + before + (before && after ? "," : "") + after + "}");
  return { seq, hash, line: "{" + before + (before ? "," : "") + `"hash":"${hash}"` + (after ? "," : "") + after + "}\n" };
}

/** The hash a parsed record ought to carry. */
export function recomputeHash(record: { prev: string; hash?: unknown }): string {
  const { hash: _omitted, ...body } = record;
  return sha256Hex(record.prev + canonicalJson(body));
}
