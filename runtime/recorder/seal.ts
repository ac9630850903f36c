// Sealing: what a seal record states about the batch of lines it closes. The chain is the previous
// seal's hash, the size so far and the Merkle frontier over every line so far; a batch moves it on.
// Pure and synchronous: the file recorder seals each group commit with it before the write, the
// memory recorder every N records or T ms (here, or on the sealer thread: sealer.ts).
import * as crypto from "node:crypto";
import { Frontier, fromHex, hex, leafHash, type Digest } from "./merkle.js";
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

/**
 * Seals the lines after `state.size`: `lines` are their bytes with the newline, one each; `spans`
 * are the same bytes as they lie in memory, in order (a batch written as one buffer is one span).
 * Moves `state` on and returns the seal's body.
 */
export function sealBatch(state: ChainState, lines: Iterable<Uint8Array>, spans: Iterable<Uint8Array>, key?: SignKey): SealBody {
  let n = 0;
  for (const line of lines) {
    state.frontier.push(leafHash(line.subarray(0, line.length - 1)));
    n++;
  }
  const h = crypto.createHash("sha256").update(Buffer.from(state.hash, "latin1"));
  for (const span of spans) h.update(span);
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

export function freshChain(): ChainState {
  return { size: 0, hash: ZERO_HASH, frontier: Frontier.empty() };
}
