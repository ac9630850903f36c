// The sealer thread's side (see sealer.ts): a chain per recorder, moved on by each job.
import { parentPort } from "node:worker_threads";
import * as crypto from "node:crypto";
import { freshChain, sealBatch, type ChainState } from "./seal.js";
import type { JobMessage, ReplyMessage } from "./sealer.js";
import type { SignKey } from "./sign-key.js";

const chains = new Map<number, ChainState>();
const keys = new Map<number, SignKey>();

parentPort!.on("message", (m: JobMessage | { type: "forget"; id: number }) => {
  if (m.type === "forget") { chains.delete(m.id); keys.delete(m.id); return; }
  let reply: ReplyMessage;
  try {
    let chain = chains.get(m.id);
    if (!chain) chains.set(m.id, (chain = freshChain()));
    if (m.key) {
      const privateKey = m.key.privateKey as crypto.KeyObject;
      keys.set(m.id, { kid: m.key.kid, privateKey, publicKey: crypto.createPublicKey(privateKey) });
    }
    const spans = m.spans.map((s) => ({ bytes: new Uint8Array(s.buffer, s.offset, s.length), ends: s.ends }));
    const body = sealBatch(chain, spans, keys.get(m.id));
    reply = { job: m.job, body: { ...body, kind: "seal" }, frontier: chain.frontier.toHex() };
  } catch (e) {
    reply = { job: m.job, error: (e as Error).message };
  }
  // The batch's memory goes back, to carry a later batch (memory already touched costs no page faults).
  const buffers = m.type === "seal" ? m.spans.map((s) => s.buffer) : [];
  parentPort!.postMessage({ ...reply, buffers }, buffers);
});
