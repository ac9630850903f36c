// The sealer thread: one per process, shared by every memory recorder in it. A memory recorder
// seals every N records or T ms; the hashing that takes (a leaf and a node per record, the batch
// hash, the signature) is about a microsecond a record, and here it runs beside the thread that
// runs agents instead of on it. Each recorder's chain (last seal, Merkle frontier) lives on the
// thread; a job moves a copy of the batch's bytes and line ends there (one memcpy a batch, ~30 ns
// a record), and the thread answers with the seal. Where there are no threads, recorders seal inline.
import type { Worker } from "node:worker_threads";
import type { SealBody } from "./record.js";
import { RecorderError } from "./recorder-error.js";
import type { SignKey } from "./sign-key.js";
import type { Span } from "./sink.js";

export interface SealJob {
  body: SealBody & { kind: "seal" };
  /** The Merkle frontier after this seal (hex), for the recorder's release checkpoints. */
  frontier: string[];
}

export interface Sealer {
  /** Seals the lines whose bytes are `spans` (whole lines, in order) after recorder `id`'s last seal. */
  seal(id: number, spans: readonly Span[], key?: SignKey): Promise<SealJob>;
  /** Drops recorder `id`'s chain (it closed). */
  forget(id: number): void;
}

/** What crosses to the thread: the batch's bytes and line ends, copied once and moved (transferred). */
export interface JobMessage {
  type: "seal";
  job: number;
  id: number;
  spans: { buffer: ArrayBuffer; offset: number; length: number; ends: Uint32Array }[];
  key?: { kid: string; privateKey: unknown };
}

export type ReplyMessage = ({ job: number; body: SealJob["body"]; frontier: string[] } | { job: number; error: string }) & { buffers?: ArrayBuffer[] };

let shared: Promise<Sealer | null> | null = null;

/** The process's sealer thread, started on first use; null where threads are not available
 * (unless `required`, when that is an error). */
export function processSealer(required = false): Promise<Sealer | null> {
  shared ??= start().catch((e) => {
    shared = null;
    if (required) throw new RecorderError("EINVAL", `no sealer thread: ${(e as Error).message}`, { cause: e });
    return null;
  });
  return shared;
}

async function start(): Promise<Sealer> {
  const { spawnWorker } = await import("../threads/spawn-worker.js");
  const ext = import.meta.url.endsWith(".ts") ? ".ts" : ".js";
  const worker: Worker = spawnWorker(new URL(`./sealer-thread${ext}`, import.meta.url));
  // The thread never keeps the process alive: a recorder waiting for a seal does (its promise).
  worker.unref();
  let nextJob = 1;
  /** Batch buffers the thread gave back, for later batches. */
  const free: ArrayBuffer[] = [];
  const waiting = new Map<number, { resolve(j: SealJob): void; reject(e: unknown): void }>();
  const keysSent = new Set<number>();
  const fail = (e: Error) => {
    shared = null;
    for (const w of waiting.values()) w.reject(new RecorderError("EIO", `the sealer thread failed: ${e.message}`, { cause: e }));
    waiting.clear();
  };
  worker.on("message", (m: ReplyMessage) => {
    for (const b of m.buffers ?? []) if (free.length < FREE_KEPT) free.push(b);
    const w = waiting.get(m.job);
    if (!w) return;
    waiting.delete(m.job);
    if (waiting.size === 0) worker.unref();
    if ("error" in m) w.reject(new RecorderError("EIO", `the sealer thread could not seal: ${m.error}`));
    else w.resolve({ body: m.body, frontier: m.frontier });
  });
  worker.on("error", fail);
  worker.on("exit", (code) => fail(new Error(`it exited with code ${code}`)));
  return {
    seal(id, spans, key) {
      const job = nextJob++;
      // One copy of the batch, moved to the thread: the log's own chunks stay ordinary memory,
      // which the thread writing records fills faster than shared memory.
      const batch = joined(spans, free);
      const msg: JobMessage = { type: "seal", job, id, spans: [{ buffer: batch.bytes.buffer as ArrayBuffer, offset: batch.bytes.byteOffset, length: batch.bytes.length, ends: batch.ends }] };
      if (key && !keysSent.has(id)) { msg.key = { kid: key.kid, privateKey: key.privateKey }; keysSent.add(id); }
      return new Promise<SealJob>((resolve, reject) => {
        waiting.set(job, { resolve, reject });
        // A job in flight keeps the process up until its seal is in: a recorder closing awaits it.
        worker.ref();
        worker.postMessage(msg, [batch.bytes.buffer as ArrayBuffer, batch.ends.buffer as ArrayBuffer]);
      });
    },
    forget(id) {
      keysSent.delete(id);
      worker.postMessage({ type: "forget", id });
    },
  };
}

/** Buffers kept for reuse: a few batches in flight at once. */
const FREE_KEPT = 4;

/** The spans' bytes end to end (in a buffer given back by the thread, if one is big enough), and
 * their line ends counted from the start. */
function joined(spans: readonly Span[], free: ArrayBuffer[]): { bytes: Uint8Array; ends: Uint32Array } {
  let n = 0, lines = 0;
  for (const s of spans) { n += s.bytes.length; lines += s.ends.length; }
  const i = free.findIndex((b) => b.byteLength >= n);
  const bytes = i >= 0 ? new Uint8Array(free.splice(i, 1)[0]!, 0, n) : new Uint8Array(Math.max(n, 1 << 19)).subarray(0, n);
  const ends = new Uint32Array(lines);
  let at = 0, k = 0;
  for (const s of spans) {
    bytes.set(s.bytes, at);
    for (let i = 0; i < s.ends.length; i++) ends[k++] = at + s.ends[i]!;
    at += s.bytes.length;
  }
  return { bytes, ends };
}
