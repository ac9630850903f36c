// Sealing: what a seal record states about the batch of lines it closes. The chain is the previous
// seal's hash, the size so far and the Merkle frontier over every line so far; a batch moves it on.
// Pure and synchronous: the file recorder seals each group commit with it before the write, the
// memory recorder every N records or T ms (here, or on the sealer thread: sealer.ts).
import * as crypto from "node:crypto";
import { Frontier, fromHex, hex, type Digest } from "./merkle.js";
import { sha256Bytes as leafDigest } from "./digest.js";
import type { SealBody } from "./record.js";
import { signHead, type SignKey } from "./sign-key.js";

export const ZERO_HASH: Digest = "\0".repeat(32);

export interface ChainState {
  /** Lines sealed so far (the next seal covers lines from here). */
  size: number;
  /** The last seal's hash (ZERO_HASH before the first). */
  hash: Digest;
  /** The Merkle frontier over the `size` sealed lines. */
  frontier: Frontier;
}

/** Bytes holding whole lines, and where each ends (its newline included), counted from `bytes[0]`. */
export interface LineSpan {
  bytes: Uint8Array;
  ends: ArrayLike<number>;
}

/**
 * Seals the lines after `state.size`, which are the spans' bytes in order (a span holds whole
 * lines). Moves `state` on and returns the seal's body.
 */
export function sealBatch(state: ChainState, spans: readonly LineSpan[], key?: SignKey): SealBody {
  let n = 0;
  const h = crypto.createHash("sha256").update(Buffer.from(state.hash, "latin1"));
  for (const span of spans) {
    n += pushLeaves(state.frontier, span);
    h.update(span.bytes);
  }
  const hash = h.digest("hex");
  state.size += n;
  state.hash = fromHex(hash);
  const root = hex(state.frontier.root());
  const body: SealBody = { kind: "seal", size: state.size, hash, root };
  if (key) {
    body.kid = key.kid;
    body.sig = signHead(key, state.size, root, hash);
  }
  return body;
}

/** One span of one line each: what a batch of separate line buffers is. */
export const lineSpans = (lines: readonly Uint8Array[]): LineSpan[] => lines.map((bytes) => ({ bytes, ends: [bytes.length] }));

/**
 * Pushes the leaf hash of each of the span's lines, SHA-256(0x00 ‖ line without its newline): from
 * one copy of the span, one byte ahead, where the byte before each line (the last one's newline)
 * is made the 0x00, so that each leaf is one hash call of a view and nothing else.
 */
function pushLeaves(frontier: Frontier, span: LineSpan): number {
  const { bytes, ends } = span;
  if (leafCopy.length < bytes.length + 1) leafCopy = new Uint8Array(Math.max(bytes.length + 1, leafCopy.length * 2));
  const copy = leafCopy;
  copy.set(bytes, 1);
  let start = 0;
  for (let k = 0; k < ends.length; k++) {
    const end = ends[k]!;
    if (!(end > start && end <= bytes.length) || bytes[end - 1] !== 0x0a) throw new RangeError(`line ${k} of a span does not end in a newline`);
    copy[start] = 0x00;
    frontier.push(leafDigest(copy.subarray(start, end)));
    start = end;
  }
  if (start !== bytes.length) throw new RangeError("a span ends inside a line");
  return ends.length;
}
let leafCopy = new Uint8Array(1 << 16);

export function freshChain(): ChainState {
  return { size: 0, hash: ZERO_HASH, frontier: Frontier.empty() };
}
