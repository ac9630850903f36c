// The digests a log holds. Synchronous on purpose: a record's digests are made where it is built,
// and a seal's where the batch is closed, without awaiting anything.
import * as crypto from "node:crypto";
import { canonicalJson } from "./canonical-json.js";

// One-shot `crypto.hash` (Node >= 20.12) costs half of a Hash object per call; older runtimes and
// edge polyfills fall back to createHash.
type OneShot = (algorithm: string, data: string | Uint8Array, encoding: "hex" | "latin1") => string;
const oneShot = (crypto as unknown as { hash?: OneShot }).hash;

export const sha256Hex: (text: string | Uint8Array) => string = oneShot
  ? (data) => oneShot("sha256", data, "hex")
  : (data) => crypto.createHash("sha256").update(data).digest("hex");

/** SHA-256 as a 32-character latin1 string (one character a byte): what the Merkle tree works in. */
export const sha256Bytes: (data: Uint8Array) => string = oneShot
  ? (data) => oneShot("sha256", data, "latin1")
  : (data) => crypto.createHash("sha256").update(data).digest("latin1" as crypto.BinaryToTextEncoding);

let scratch = Buffer.alloc(4096);
/** SHA-256 of `a ‖ b`, as sha256Bytes gives it. */
export function sha256Concat(a: Uint8Array, b: Uint8Array): string {
  const n = a.length + b.length;
  if (n > scratch.length) scratch = Buffer.alloc(Math.max(n, scratch.length * 2));
  scratch.set(a, 0);
  scratch.set(b, a.length);
  return sha256Bytes(scratch.subarray(0, n));
}

/** SHA-256 of a value's canonical JSON; `undefined` digests as `null` (absent args, a void result). */
export const jsonDigest = (value: unknown): string => sha256Hex(canonicalJson(value === undefined ? null : value));

/** The digest of an answer's text (the JSON a guest gets back; `null` for none). Reads of one file
 * answer the same text again and again: short texts keep their digest for the next time. */
export function answerDigest(text: string | undefined): string {
  if (text === undefined) return NULL_DIGEST;
  if (text.length > ANSWER_CACHE_CHARS) return sha256Hex(text);
  let d = answers.get(text);
  if (d === undefined) {
    d = sha256Hex(text);
    if (answers.size >= ANSWER_CACHE_ENTRIES) answers.clear();
    answers.set(text, d);
  }
  return d;
}

export const NULL_DIGEST = sha256Hex("null");
const ANSWER_CACHE_CHARS = 1024;
const ANSWER_CACHE_ENTRIES = 512;
const answers = new Map<string, string>();
