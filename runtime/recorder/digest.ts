// The digests a log holds. Synchronous on purpose: hashing at append time keeps the chain order
// equal to the append order without awaiting anything.
import * as crypto from "node:crypto";
import { canonicalJson } from "./canonical-json.js";

// One-shot `crypto.hash` (Node >= 20.12) costs half of a Hash object per record; older runtimes
// and edge polyfills fall back to createHash.
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: "hex") => string }).hash;

export const sha256Hex: (text: string) => string = oneShot
  ? (text) => oneShot("sha256", text, "hex")
  : (text) => crypto.createHash("sha256").update(text, "utf8").digest("hex");

export const hmacSha256Hex = (secret: Uint8Array, text: string): string => crypto.createHmac("sha256", secret).update(text, "utf8").digest("hex");

/** SHA-256 of a value's canonical JSON; `undefined` digests as `null` (absent args, a void result). */
export const jsonDigest = (value: unknown): string => sha256Hex(canonicalJson(value === undefined ? null : value));
