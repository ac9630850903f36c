// The flight recorder: appends hash-chained records and acknowledges each only once it is durable.
// Group commit: appends that arrive while a write+fsync is in flight (or within `groupCommitMs` of
// an idle recorder) share the next write and fsync. Any I/O failure fails the recorder closed.
// A memory recorder has no I/O to wait for: a record is durable (in the log) once appended, so it
// acknowledges at once, and the kernel can take a syscall that needs no I/O either in one step.
import { CanonicalJsonError } from "./canonical-json.js";
import { GENESIS_HASH, linkRecord, type Linked } from "./chain.js";
import { hmacSha256Hex } from "./digest.js";
import type { RecorderKey } from "./key.js";
import { agentBody, completeBody, signalBody, syscallBody, type CompleteInput, type SyscallInput } from "./record-bodies.js";
import { checkBody } from "./record-schema.js";
import { RECORDER_FORMAT, type AgentEvent, type AppendBody, type FlightRecord, type RecordBody, type RecordedAgent, type SignalSource } from "./record.js";
import { RecorderError } from "./recorder-error.js";
import { MemorySink, type Sink } from "./sink.js";

interface CommonOptions {
  /** With a key: a seal after every `sealEvery` records (default 1000), and one before `close`. */
  sealEvery?: number;
  key?: RecorderKey;
  /** Named in the `open` record. */
  policy?: { name: string; hash: string };
  /** Clock for `ts` (default Date.now). */
  now?: () => number;
  /** Called after each durable write with the last seq it covered: an observation seam for tests and metrics. */
  onSync?: (durableSeq: number) => void;
}

export interface FileRecorderOptions extends CommonOptions {
  path: string;
  /** "group" (default): concurrent appends share one write+fsync. "always": one write+fsync per record. */
  sync?: "group" | "always";
  /** How long an idle recorder waits for company before writing (default 0: the current event-loop turn). */
  groupCommitMs?: number;
}

export interface MemoryRecorderOptions extends CommonOptions {
  memory: true;
}

export type RecorderOptions = FileRecorderOptions | MemoryRecorderOptions;

export interface Ack {
  seq: number;
  hash: string;
}

export interface RecorderStats {
  /** Records made durable (this session). */
  records: number;
  writes: number;
  syncs: number;
  bytes: number;
  /** A memory recorder's log: the bytes it holds (see release). */
  heldBytes?: number;
}

/** Records that share one write: every append in it settles with it. */
interface Batch {
  data: unknown[];
  last: Ack;
  done: Promise<void>;
  resolve(): void;
  reject(e: RecorderError): void;
}

const APPENDABLE = new Set(["syscall", "complete", "signal", "agent", "review", "log"]);
/** Upper bound on one write: keeps a burst from becoming one huge buffer. */
const MAX_BATCH = 16_384;

export class FlightRecorder {
  private nextSeq: number;
  private last: string;
  private durable: Ack | null;
  private queue: Batch[] = [];
  /** The batch still taking appends (null once its write has begun). */
  private filling: Batch | null = null;
  private flushing = false;
  private scheduled = false;
  private sinceSeal = 0;
  private failure: RecorderError | null = null;
  private closing: Promise<void> | null = null;
  private written = 0;

  private constructor(
    private readonly sink: Sink,
    private readonly mode: "group" | "always" | "memory",
    private readonly groupCommitMs: number,
    private readonly opts: CommonOptions & { sealEvery: number },
    head: Ack | null,
  ) {
    this.nextSeq = head ? head.seq + 1 : 0;
    this.last = head ? head.hash : GENESIS_HASH;
    this.durable = head;
  }

  static async open(opts: RecorderOptions): Promise<FlightRecorder> {
    const sealEvery = opts.sealEvery ?? 1000;
    if (!Number.isInteger(sealEvery) || sealEvery < 1) throw new RecorderError("EINVAL", `sealEvery must be a positive integer, not ${sealEvery}`);
    const common = { ...opts, sealEvery };
    let recorder: FlightRecorder;
    let truncatedBytes = 0;
    if ("memory" in opts) {
      recorder = new FlightRecorder(new MemorySink(), "memory", 0, common, null);
    } else {
      const ms = opts.groupCommitMs ?? 0;
      if (!(ms >= 0)) throw new RecorderError("EINVAL", `groupCommitMs must be >= 0, not ${ms}`);
      // Loaded on demand: an edge worker with a memory recorder never touches node:fs.
      const { FileSink } = await import("./file-sink.js");
      const opened = await FileSink.open(opts.path);
      truncatedBytes = opened.truncatedBytes;
      recorder = new FlightRecorder(opened.sink, opts.sync ?? "group", ms, common, opened.head);
    }
    const open: RecordBody = {
      kind: "open", format: RECORDER_FORMAT,
      policy: opts.policy?.name ?? null, policyHash: opts.policy?.hash ?? null,
      keyId: opts.key?.id ?? null, sealEvery: opts.key ? sealEvery : null,
      ...(truncatedBytes > 0 ? { recovered: { truncatedBytes } } : {}),
    };
    try {
      await recorder.enqueue(open);
    } catch (e) {
      await recorder.sink.close().catch(() => undefined);
      throw e;
    }
    return recorder;
  }

  /**
   * Appends one record; resolves once it is durable, rejects with a RecorderError when it may not be.
   * The body is checked against the record schema (EINVAL); the typed helpers below build valid
   * bodies and skip that check, which is the hot path's cost.
   */
  append(body: AppendBody): Promise<Ack> {
    if (!APPENDABLE.has(body?.kind)) return Promise.reject(new RecorderError("EINVAL", `\`${body?.kind}\` is not a record kind callers append`));
    const checked = checkBody(body);
    if (!checked.ok) return Promise.reject(new RecorderError("EINVAL", `malformed ${body.kind} record: ${checked.message}`));
    return this.admit(body);
  }

  syscall(input: SyscallInput): Promise<Ack> {
    return this.build(() => syscallBody(input));
  }

  complete(input: CompleteInput): Promise<Ack> {
    return this.build(() => completeBody(input));
  }

  /** True when appends are durable as soon as they return (a memory recorder): `syscallNow` and
   * `completeNow` may be used, and acknowledge without waiting. */
  get immediate(): boolean {
    return this.mode === "memory";
  }

  /** `syscall`, acknowledged on return; throws the RecorderError `syscall` would reject with. Only
   * for an `immediate` recorder. */
  syscallNow(input: SyscallInput): Ack {
    return this.now(syscallBody, input);
  }

  /** `complete`, acknowledged on return (see syscallNow). */
  completeNow(input: CompleteInput): Ack {
    return this.now(completeBody, input);
  }

  private now<I>(make: (input: I) => AppendBody, input: I): Ack {
    if (this.mode !== "memory") throw new RecorderError("EINVAL", "only a memory recorder acknowledges at once");
    let body: AppendBody;
    try { body = make(input); } catch (e) { throw invalid(e); }
    const refused = this.refusal(body);
    if (refused) throw refused;
    return this.record(body);
  }

  signal(agent: RecordedAgent, signal: string, source: SignalSource): Promise<Ack> {
    return this.build(() => signalBody(agent, signal, source));
  }

  agentEvent(agent: RecordedAgent, event: AgentEvent, detail?: Record<string, unknown>): Promise<Ack> {
    return this.build(() => agentBody(agent, event, detail));
  }

  /** The last durable record: remember its hash to verify later with `expectHead`. */
  head(): Ack | null {
    return this.durable;
  }

  /** The records a memory recorder holds (all of them, unless some were released). */
  records(): readonly FlightRecord[] {
    return this.recordsFrom(0);
  }

  /** The records of a memory recorder from seq `start` on (a memory log starts at seq 0): how a host
   * that ships the log elsewhere (or watches it) reads what is new since it last looked. */
  recordsFrom(start: number): readonly FlightRecord[] {
    return this.memorySink("records()").recordsFrom(start);
  }

  /**
   * Forgets a memory recorder's records up to and including seq `throughSeq` (at most its head),
   * once the host has shipped them: a kernel that runs for long on a memory recorder otherwise
   * holds every record it ever made. What is left verifies on its own with
   * `verify(lines, { after: recorder.released() })`. Returns `released()`.
   */
  release(throughSeq: number): Ack | null {
    const sink = this.memorySink("release()");
    if (!Number.isInteger(throughSeq)) throw new RecorderError("EINVAL", `release() takes a record's seq, not ${throughSeq}`);
    const last = sink.release(throughSeq);
    if (last) this.releasedHead = { seq: last.seq, hash: last.hash };
    return this.releasedHead;
  }

  /** The last record a memory recorder has released, from which the records it holds chain; null
   * while it holds them all. */
  released(): Ack | null {
    return this.releasedHead;
  }

  private releasedHead: Ack | null = null;

  private memorySink(what: string): MemorySink {
    if (!(this.sink instanceof MemorySink)) throw new RecorderError("EINVAL", `${what} is for a memory recorder; read a file log with readLog(path), and rotate it as a file`);
    return this.sink;
  }

  stats(): RecorderStats {
    const held = this.sink instanceof MemorySink ? { heldBytes: this.sink.heldBytes() } : {};
    return { records: this.written, ...this.sink.stats, ...held };
  }

  /** The failure the recorder failed closed on, if it did. */
  failed(): RecorderError | null {
    return this.failure;
  }

  /** Writes a final seal (with a key) and `close`, fsyncs and releases the file. Idempotent; rejects if the log could not be closed cleanly. */
  close(): Promise<void> {
    return (this.closing ??= this.shutdown());
  }

  private async shutdown(): Promise<void> {
    let error = this.failure;
    if (!error) {
      if (this.opts.key && this.sinceSeal > 0) void this.enqueueSeal();
      try { await this.enqueue({ kind: "close" }); } catch (e) { error = e as RecorderError; }
    }
    try { await this.sink.close(); } catch (e) { error ??= new RecorderError("EIO", `cannot close the log: ${(e as Error).message}`, { cause: e }); }
    if (error) throw error;
  }

  private build(body: () => AppendBody): Promise<Ack> {
    try { return this.admit(body()); } catch (e) { return Promise.reject(invalid(e)); }
  }

  private admit(body: AppendBody): Promise<Ack> {
    const refused = this.refusal(body);
    return refused ? Promise.reject(refused) : this.enqueue(body);
  }

  private refusal(body: AppendBody): RecorderError | null {
    if (this.failure) return this.failure;
    if (this.closing) return new RecorderError("ECLOSED", "the recorder is closed");
    if (body.kind === "complete" && body.of >= this.nextSeq) return new RecorderError("EINVAL", `complete names #${body.of}, which is not yet written`);
    return null;
  }

  private enqueue(body: RecordBody): Promise<Ack> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.mode === "memory") {
      try { return Promise.resolve(this.record(body)); } catch (e) { return Promise.reject(e); }
    }
    let linked: Linked;
    try { linked = linkRecord(body, this.nextSeq, (this.opts.now ?? Date.now)(), this.last); } catch (e) { return Promise.reject(invalid(e)); }
    this.nextSeq++;
    this.last = linked.hash;
    const ack: Ack = { seq: linked.seq, hash: linked.hash };
    const batch = this.batchFor(ack);
    batch.data.push(this.sink.encode(linked.line));
    if (body.kind !== "seal" && body.kind !== "close" && this.opts.key && ++this.sinceSeal >= this.opts.sealEvery) void this.enqueueSeal();
    this.schedule();
    return batch.done.then(() => ack);
  }

  /** A memory recorder's append: linked and in the log before it returns. */
  private record(body: RecordBody): Ack {
    let linked: Linked;
    try { linked = linkRecord(body, this.nextSeq, (this.opts.now ?? Date.now)(), this.last); } catch (e) { throw invalid(e); }
    (this.sink as MemorySink).append(linked.line);
    this.nextSeq++;
    this.last = linked.hash;
    const ack: Ack = { seq: linked.seq, hash: linked.hash };
    this.durable = ack;
    this.written++;
    try { this.opts.onSync?.(ack.seq); } catch { /* an observer's failure must not stall the log */ }
    if (body.kind !== "seal" && body.kind !== "close" && this.opts.key && ++this.sinceSeal >= this.opts.sealEvery) void this.enqueueSeal();
    return ack;
  }

  private batchFor(ack: Ack): Batch {
    const b = this.filling;
    if (b && this.mode !== "always" && b.data.length < MAX_BATCH) {
      b.last = ack;
      return b;
    }
    let resolve!: () => void, reject!: (e: RecorderError) => void;
    const done = new Promise<void>((res, rej) => { resolve = res; reject = rej; });
    const fresh: Batch = { data: [], last: ack, done, resolve, reject };
    this.queue.push(fresh);
    this.filling = fresh;
    return fresh;
  }

  /** A seal vouches for everything up to the current head; its outcome is that of the records around it. */
  private enqueueSeal(): Promise<void> {
    const key = this.opts.key!;
    this.sinceSeal = 0;
    return this.enqueue({ kind: "seal", keyId: key.id, through: this.nextSeq - 1, mac: hmacSha256Hex(key.secret, this.last) }).then(() => undefined, () => undefined);
  }

  private schedule(): void {
    if (this.flushing || this.scheduled) return;
    this.scheduled = true;
    const run = () => void this.flush();
    if (this.mode !== "group") queueMicrotask(run);
    else if (this.groupCommitMs > 0) setTimeout(run, this.groupCommitMs);
    else setImmediate(run);
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    this.flushing = true;
    for (let batch = this.queue.shift(); batch && !this.failure; batch = this.queue.shift()) {
      if (batch === this.filling) this.filling = null;
      try {
        await this.sink.write(batch.data);
      } catch (e) {
        this.failClosed(e, batch);
        break;
      }
      this.durable = batch.last;
      this.written += batch.data.length;
      try { this.opts.onSync?.(batch.last.seq); } catch { /* an observer's failure must not stall the log */ }
      batch.resolve();
    }
    this.flushing = false;
  }

  private failClosed(e: unknown, batch: Batch): void {
    const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    this.failure = new RecorderError("EIO", `cannot write the flight log (${code}); the recorder has failed closed`, { cause: e });
    this.filling = null;
    for (const b of [batch, ...this.queue.splice(0)]) b.reject(this.failure);
  }
}

function invalid(e: unknown): RecorderError {
  if (e instanceof RecorderError) return e;
  if (e instanceof CanonicalJsonError) return new RecorderError("EINVAL", `the record is not JSON: ${e.message}`, { cause: e });
  return new RecorderError("EINVAL", `the record cannot be built: ${(e as Error).message}`, { cause: e });
}
