// Compiling off the main thread, for a server that must go on answering while a new policy compiles
// (the finance pack takes ~0.45 s: its `assert never` checks and the planner). One worker, started
// on first use and reused; it holds nothing between compiles.
import { Worker, parentPort, workerData } from "node:worker_threads";
import { compile } from "../compile.js";
import type { Diagnostic } from "../../grammar/diagnostics.js";
import type { Manifest } from "../../stdlib/abi/types.js";

export interface Compiled { wasm: Uint8Array | null; manifest: Manifest | null; diagnostics: Diagnostic[] }

interface Job { id: number; source: string; filename: string }

// Only a thread this class started answers: another worker that happens to load this module (a
// test runner's) is left alone.
const MARK = "acp-compile-worker";
if (parentPort && (workerData as { role?: unknown } | null)?.role === MARK) {
  const port = parentPort;
  port.on("message", (job: Job) => {
    let out: Compiled & { id: number; error?: string };
    try {
      const r = compile(job.source, { filename: job.filename });
      out = { id: job.id, wasm: r.wasm, manifest: r.manifest, diagnostics: r.diagnostics };
    } catch (e) {
      out = { id: job.id, wasm: null, manifest: null, diagnostics: [], error: (e as Error)?.stack ?? String(e) };
    }
    port.postMessage(out);
  });
}

export class CompileWorker {
  private worker: Worker | null = null;
  private next = 0;
  private readonly waiting = new Map<number, { resolve(c: Compiled): void; reject(e: Error): void }>();

  compile(source: string, filename: string): Promise<Compiled> {
    const w = this.start();
    const id = ++this.next;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      w.postMessage({ id, source, filename } satisfies Job);
    });
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    if (w) await w.terminate();
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(new URL(import.meta.url), { workerData: { role: MARK } });
    // A server waiting for nothing else must be able to exit while the worker idles.
    w.unref();
    w.on("message", (m: Compiled & { id: number; error?: string }) => {
      const job = this.waiting.get(m.id);
      this.waiting.delete(m.id);
      if (m.error) job?.reject(new Error(`the compiler failed: ${m.error}`));
      else job?.resolve(m);
    });
    const fail = (e: Error) => {
      if (this.worker === w) this.worker = null;
      for (const j of this.waiting.values()) j.reject(e);
      this.waiting.clear();
    };
    w.on("error", fail);
    w.on("exit", (code) => fail(new Error(`the compile worker exited (${code})`)));
    this.worker = w;
    return w;
  }
}
