// The flight recorder: appends records, seals them in batches, and acknowledges each only once it
// is durable. A file recorder commits in groups: appends that arrive while a write+fsync is in
// flight (or within `groupCommitMs` of an idle recorder) share the next write, which ends with the
// seal of its batch; a record is acknowledged once that write is fsynced. A memory recorder has no
// I/O to wait for: a record is in the log once appended, so it acknowledges at once (and the
// kernel can take a syscall that needs no I/O either in one step), and seals every `sealEvery`
// records or `sealMs` milliseconds. Any I/O failure fails the recorder closed.
import type { KeyObject } from "node:crypto";
import { CanonicalJsonError } from "./canonical-json.js";
import type { Checkpoint } from "./check-log.js";
import type { FileSink } from "./file-sink.js";
import { recordLine } from "./line.js";
import { writeSyscallLine, type LineBytes } from "./line-bytes.js";
import { Frontier, fromHex } from "./merkle.js";
import { agentBody, completeBody, signalBody, syscallBody, type CompleteInput, type SyscallInput } from "./record-bodies.js";
import { checkBody } from "./record-schema.js";
import { headOf, RECORDER_FORMAT, type AgentEvent, type AppendBody, type FlightRecord, type OpenBody, type RecordBody, type RecordedAgent, type SealHead, type SignalSource } from "./record.js";
import { RecorderError } from "./recorder-error.js";
import { freshChain, lineSpans, sealBatch, type ChainState } from "./seal.js";
import type { Sealer } from "./sealer.js";
import { signKey as loadSignKey, type SignKey } from "./sign-key.js";
import { MemorySink } from "./sink.js";

interface CommonOptions {
  /** Named in the `open` record. */
  policy?: { name: string; hash: string };
  /** An ed25519 private key (PEM or KeyObject): every seal is signed with it, under its `kid`. */
  signKey?: string | KeyObject | SignKey;
  /** Clock for `ts` (default Date.now). */
  now?: () => number;
  /** Called after each durable write with the last seq it covered: an observation seam for tests and metrics. */
  onSync?: (durableSeq: number) => void;
}

export interface FileRecorderOptions extends CommonOptions {
  path: string;
  /** "group" (default): concurrent appends share one write+fsync. "always": one write+fsync (and seal) per record. */
  sync?: "group" | "always";
  /** How long an idle recorder waits for company before writing (default 0: the current event-loop turn). */
  groupCommitMs?: number;
}

export interface MemoryRecorderOptions extends CommonOptions {
  memory: true;
  /** A seal after this many records (default 1024)… */
  sealEvery?: number;
  /** …or this many milliseconds after the first record it would cover (default 100), whichever comes first. */
  sealMs?: number;
  /** Where seals are computed: here ("inline", the default where there are no threads) or on a
   * sealer thread shared by the process ("thread", the default in Node), which keeps the hashing
   * off the thread that runs agents. A seal computed on the thread is appended when it is done. */
  sealer?: "inline" | "thread";
}

export type RecorderOptions = FileRecorderOptions | MemoryRecorderOptions;

export interface Ack {
  seq: number;
}

export interface RecorderStats {
  /** Records made durable (this session), seals included. */
  records: number;
  writes: number;
  syncs: number;
  bytes: number;
  /** Seals written this session. */
  seals: number;
  /** A memory recorder's log: the bytes it holds (see release). */
  heldBytes?: number;
}

/** Records that share one write: every append in it settles with it. */
interface Batch {
  /** Its lines' bytes, as they will be written. */
  lines: BatchBytes;
  /** The ts of its last record: its seal's. */
  ts: number;
  last: number;
  /** Set when the batch was closed: the bytes to write (its lines and its seal). */
  out: Buffer | null;
  done: Promise<void>;
  resolve(): void;
  reject(e: RecorderError): void;
}

const APPENDABLE = new Set(["syscall", "complete", "signal", "agent", "review", "log", "policy"]);
/** Upper bound on one write: keeps a burst from becoming one huge buffer. */
const MAX_BATCH = 16_384;

export class FlightRecorder {
  private nextSeq = 0;
  private durable = -1;
  private readonly chain: ChainState;
  private lastSeal: SealHead | null = null;
  private failure: RecorderError | null = null;
  private closing: Promise<void> | null = null;
  private written = 0;
  private sealsWritten = 0;
  private readonly key: SignKey | undefined;
  private readonly clock: () => number;
  // File mode.
  private queue: Batch[] = [];
  private filling: Batch | null = null;
  private flushing = false;
  private scheduled = false;
  /** Lines in the file the next seal must cover besides its batch: the last seal's own line, and
   * what a crash left unsealed. */
  private carried: Uint8Array[] = [];
  // Memory mode.
  private sealTimer: ReturnType<typeof setTimeout> | undefined;
  /** Seals computed on the sealer thread, not yet appended. */
  private sealing: Promise<void> = Promise.resolve();
  /** Seals since the last release, for `release`: where the held lines may start. */
  private checkpoints: Checkpoint[] = [];
  private releasedAt: Checkpoint | null = null;

  private constructor(
    private readonly file: FileSink | null,
    private readonly memory: MemorySink | null,
    private readonly mode: "group" | "always" | "memory",
    private readonly opts: CommonOptions & { groupCommitMs: number; sealEvery: number; sealMs: number },
    private readonly sealer: Sealer | null,
  ) {
    this.chain = freshChain();
    this.key = opts.signKey === undefined ? undefined : isSignKey(opts.signKey) ? opts.signKey : loadSignKey(opts.signKey);
    this.clock = opts.now ?? Date.now;
  }

  static async open(opts: RecorderOptions): Promise<FlightRecorder> {
    const sealEvery = "memory" in opts ? opts.sealEvery ?? 1024 : 0;
    const sealMs = "memory" in opts ? opts.sealMs ?? 100 : 0;
    if ("memory" in opts && !(Number.isInteger(sealEvery) && sealEvery >= 1)) throw new RecorderError("EINVAL", `sealEvery must be a positive integer, not ${sealEvery}`);
    if ("memory" in opts && !(sealMs >= 0 && Number.isFinite(sealMs))) throw new RecorderError("EINVAL", `sealMs must be a number >= 0, not ${sealMs}`);
    const groupCommitMs = "path" in opts ? opts.groupCommitMs ?? 0 : 0;
    if (!(groupCommitMs >= 0)) throw new RecorderError("EINVAL", `groupCommitMs must be >= 0, not ${groupCommitMs}`);
    const common = { ...opts, groupCommitMs, sealEvery, sealMs };
    let recorder: FlightRecorder;
    let recovered: OpenBody["recovered"];
    if ("memory" in opts) {
      // Loaded on demand: an edge worker has no threads, and seals inline.
      const sealer = opts.sealer === "inline" ? null : await import("./sealer.js").then((m) => m.processSealer(opts.sealer === "thread"));
      recorder = new FlightRecorder(null, new MemorySink(0), "memory", common, sealer);
    } else {
      // Loaded on demand: an edge worker with a memory recorder never touches node:fs.
      const { FileSink } = await import("./file-sink.js");
      const opened = await FileSink.open(opts.path);
      recorder = new FlightRecorder(opened.sink, null, opts.sync ?? "group", common, null);
      const s = opened.state;
      if (s) {
        recorder.nextSeq = s.append.nextSeq;
        recorder.durable = s.append.nextSeq - 1;
        recorder.chain.size = s.append.sealedSize;
        recorder.chain.hash = s.append.sealedHash;
        recorder.chain.frontier = s.append.frontier;
        recorder.carried = s.append.unsealed;
        if (s.crashed || s.truncatedBytes > 0 || s.append.unsealedRecords > 0) recovered = { truncatedBytes: s.truncatedBytes, unsealed: s.append.unsealedRecords };
      }
    }
    const open: OpenBody = {
      kind: "open", format: RECORDER_FORMAT,
      policy: opts.policy?.name ?? null, policyHash: opts.policy?.hash ?? null, kid: recorder.key?.kid ?? null,
      ...(recovered ? { recovered } : {}),
    };
    try {
      await recorder.enqueue(open);
    } catch (e) {
      await recorder.file?.close().catch(() => undefined);
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

  /** A syscall: its intent (written before the effect), or, with `outcome`, the one record of a
   * syscall answered in the call. */
  syscall(input: SyscallInput): Promise<Ack> {
    // A file recorder's batch takes the record's bytes straight away where it can (line-bytes.ts).
    if (this.mode !== "memory" && this.failure === null && this.closing === null) {
      const batch = this.batchFor(), ts = this.clock();
      let written = false;
      try { written = writeSyscallLine(batch.lines, input, this.nextSeq, ts); } catch { /* the general way says why */ }
      if (written) return this.queued(batch, ts);
      try { return this.admit(syscallBody(input), ts); } catch (e) { return Promise.reject(invalid(e)); }
    }
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
    // Straight into the log's bytes where it can be (see line-bytes.ts); the general way otherwise.
    if (this.mode === "memory" && this.failure === null && this.closing === null) {
      const ts = this.clock();
      let written = false;
      try { written = writeSyscallLine(this.memory!, input, this.nextSeq, ts); } catch { /* the general way says why */ }
      if (written) return this.appended(true);
      return this.now(syscallBody, input, ts);
    }
    return this.now(syscallBody, input);
  }

  /** `complete`, acknowledged on return (see syscallNow). */
  completeNow(input: CompleteInput): Ack {
    return this.now(completeBody, input);
  }

  private now<I>(make: (input: I) => AppendBody, input: I, ts?: number): Ack {
    if (this.mode !== "memory") throw new RecorderError("EINVAL", "only a memory recorder acknowledges at once");
    let body: AppendBody;
    try { body = make(input); } catch (e) { throw invalid(e); }
    const refused = this.refusal(body);
    if (refused) throw refused;
    return this.record(body, ts);
  }

  signal(agent: RecordedAgent, signal: string, source: SignalSource): Promise<Ack> {
    return this.build(() => signalBody(agent, signal, source));
  }

  agentEvent(agent: RecordedAgent, event: AgentEvent, detail?: Record<string, unknown>): Promise<Ack> {
    return this.build(() => agentBody(agent, event, detail));
  }

  /** The last seal written: the tree head to keep, and to prove later logs against. */
  head(): SealHead | null {
    return this.lastSeal;
  }

  /** The seq of the last durable record (-1 before any). */
  durableSeq(): number {
    return this.durable;
  }

  /** The key id seals are signed under, if any. */
  get kid(): string | null {
    return this.key?.kid ?? null;
  }

  /**
   * Seals whatever is not yet sealed, and resolves once that seal is in the log (with its head).
   * A memory recorder seals by itself every N records or T ms; this is for a host that wants a
   * head now (before shipping, before a proof). A file recorder seals every write: it waits for it.
   */
  async seal(): Promise<SealHead | null> {
    if (this.failure) throw this.failure;
    if (this.mode !== "memory") {
      const b = this.filling ?? this.queue.at(-1);
      if (b) await b.done;
      return this.lastSeal;
    }
    this.sealMemory();
    await this.sealing;
    return this.lastSeal;
  }

  /** The records a memory recorder holds (all of them, unless some were released). */
  records(): readonly FlightRecord[] {
    return this.recordsFrom(0);
  }

  /** The records of a memory recorder from seq `start` on (a memory log starts at seq 0): how a host
   * that ships the log elsewhere (or watches it) reads what is new since it last looked. */
  recordsFrom(start: number): readonly FlightRecord[] {
    return this.lines(start).map((l) => JSON.parse(l) as FlightRecord);
  }

  /** The lines a memory recorder holds from seq `start` on, as written (without newlines): what
   * `verify(lines, { after: recorder.released() })` checks. */
  lines(start = 0): string[] {
    const sink = this.memorySink("lines()");
    const out: string[] = [];
    for (let i = Math.max(sink.held, start); i < sink.size; i++) out.push(sink.text(i));
    return out;
  }

  /**
   * Forgets a memory recorder's records before the last seal at or before seq `throughSeq` + 1,
   * once the host has shipped them: a kernel that runs for long on a memory recorder otherwise
   * holds every record it ever made. Only sealed records go, a whole batch at a time, so what is
   * left verifies on its own with `verify(lines, { after: recorder.released() })`. Returns `released()`.
   */
  release(throughSeq: number): Checkpoint | null {
    const sink = this.memorySink("release()");
    if (!Number.isInteger(throughSeq)) throw new RecorderError("EINVAL", `release() takes a record's seq, not ${throughSeq}`);
    let i = -1;
    for (let k = 0; k < this.checkpoints.length && this.checkpoints[k]!.size <= throughSeq + 1; k++) i = k;
    if (i < 0) return this.releasedAt;
    this.releasedAt = this.checkpoints[i]!;
    this.checkpoints.splice(0, i + 1);
    sink.release(this.releasedAt.size);
    return this.releasedAt;
  }

  /** Where the records a memory recorder holds begin, when some were released: the checkpoint
   * (seal size, hash and Merkle frontier) they continue from. Null while it holds them all. */
  released(): Checkpoint | null {
    return this.releasedAt;
  }

  private memorySink(what: string): MemorySink {
    if (!this.memory) throw new RecorderError("EINVAL", `${what} is for a memory recorder; read a file log with readLog(path), and rotate it as a file`);
    return this.memory;
  }

  stats(): RecorderStats {
    const io = this.file?.stats ?? this.memory!.stats;
    return { records: this.written, writes: io.writes, syncs: io.syncs, bytes: io.bytes, seals: this.sealsWritten, ...(this.memory ? { heldBytes: this.memory.heldBytes() } : {}) };
  }

  /** The failure the recorder failed closed on, if it did. */
  failed(): RecorderError | null {
    return this.failure;
  }

  /** Writes `close` and the seal over it, fsyncs and releases the file. Idempotent; rejects if the log could not be closed cleanly. */
  close(): Promise<void> {
    return (this.closing ??= this.shutdown());
  }

  private async shutdown(): Promise<void> {
    let error = this.failure;
    if (!error) {
      try {
        await this.enqueue({ kind: "close" });
        if (this.mode === "memory") { this.sealMemory(); await this.sealing; }
      } catch (e) { error = e as RecorderError; }
    }
    clearTimeout(this.sealTimer);
    if (this.sealer && this.memory) this.sealer.forget(this.sealerId);
    try { await this.file?.close(); } catch (e) { error ??= new RecorderError("EIO", `cannot close the log: ${(e as Error).message}`, { cause: e }); }
    if (error) throw error;
  }

  private build(body: () => AppendBody): Promise<Ack> {
    try { return this.admit(body()); } catch (e) { return Promise.reject(invalid(e)); }
  }

  private admit(body: AppendBody, ts?: number): Promise<Ack> {
    const refused = this.refusal(body);
    return refused ? Promise.reject(refused) : this.enqueue(body, ts);
  }

  private refusal(body: AppendBody): RecorderError | null {
    if (this.failure) return this.failure;
    if (this.closing) return new RecorderError("ECLOSED", "the recorder is closed");
    if (body.kind === "complete" && body.of >= this.nextSeq) return new RecorderError("EINVAL", `complete names #${body.of}, which is not yet written`);
    return null;
  }

  /** `ts`: the record's time, when the caller has read the clock for it already. */
  private enqueue(body: RecordBody, ts = this.clock()): Promise<Ack> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.mode === "memory") {
      try { return Promise.resolve(this.record(body, ts)); } catch (e) { return Promise.reject(e); }
    }
    let line: string;
    try { line = recordLine(body, this.nextSeq, ts); } catch (e) { return Promise.reject(invalid(e)); }
    const batch = this.batchFor();
    batch.lines.append(line);
    return this.queued(batch, ts);
  }

  /** A file recorder's record, in `batch` now: acknowledged once the batch is durable. */
  private queued(batch: Batch, ts: number): Promise<Ack> {
    const ack: Ack = { seq: this.nextSeq++ };
    batch.ts = ts;
    batch.last = ack.seq;
    if (this.mode === "always" || batch.lines.count >= MAX_BATCH) this.closeBatch(batch);
    this.schedule();
    return batch.done.then(() => ack);
  }

  // ---- memory mode ----------------------------------------------------------------------------

  /** A memory recorder's append: in the log before it returns. */
  private record(body: RecordBody, ts = this.clock()): Ack {
    const sink = this.memory!;
    let line: string;
    try { line = recordLine(body, this.nextSeq, ts); } catch (e) { throw invalid(e); }
    sink.append(line);
    return this.appended(body.kind !== "seal");
  }

  /** After a memory recorder's line is in its sink: acknowledged, and sealed when its batch is full. */
  private appended(sealable: boolean): Ack {
    const ack: Ack = { seq: this.nextSeq++ };
    this.durable = ack.seq;
    this.written++;
    if (this.opts.onSync) try { this.opts.onSync(ack.seq); } catch { /* an observer's failure must not stall the log */ }
    if (sealable) {
      if (++this.sinceSeal >= this.opts.sealEvery) this.sealMemory();
      else if (this.sealTimer === undefined) this.sealTimer = unref(setTimeout(() => { this.sealTimer = undefined; this.sealMemory(); }, this.opts.sealMs));
    }
    return ack;
  }

  /** Lines up to here are sealed, or being sealed on the sealer thread. */
  private sealedUpTo = 0;
  /** Records (seals aside) appended since the last seal began. */
  private sinceSeal = 0;
  private readonly sealerId = nextSealerId++;

  /** Seals the memory log's lines not yet sealed (or sent to be sealed). */
  private sealMemory(): void {
    clearTimeout(this.sealTimer);
    this.sealTimer = undefined;
    const sink = this.memory!;
    const from = this.sealedUpTo, to = sink.size;
    if (to <= from || this.failure) return;
    this.sealedUpTo = to;
    this.sinceSeal = 0;
    if (!this.sealer) {
      const body = sealBatch(this.chain, sink.spans(from, to), this.key);
      this.appendSeal(body);
      return;
    }
    const job = this.sealer.seal(this.sealerId, sink.spans(from, to), this.key);
    this.sealing = this.sealing.then(() => job).then(({ body, frontier }) => {
      // The thread keeps the chain; ours follows it, for release checkpoints.
      this.chain.size = body.size;
      this.chain.hash = fromHex(body.hash);
      this.chain.frontier = Frontier.fromHex(body.size, frontier);
      if (!this.failure) this.appendSeal(body);
    }, (e) => this.failClosed(e));
  }

  private appendSeal(body: RecordBody & { kind: "seal" }): void {
    // Dated by the last record it covers (see SealBody).
    this.record(body, (JSON.parse(this.memory!.text(body.size - 1)) as { ts: number }).ts);
    this.sealsWritten++;
    this.lastSeal = headOf(body);
    this.checkpoints.push({ size: body.size, hash: body.hash, frontier: this.chain.frontier.toHex() });
  }

  // ---- file mode ------------------------------------------------------------------------------

  private batchFor(): Batch {
    const b = this.filling;
    if (b && !b.out) return b;
    let resolve!: () => void, reject!: (e: RecorderError) => void;
    const done = new Promise<void>((res, rej) => { resolve = res; reject = rej; });
    // Nobody may be waiting on a batch that fails (a close that was never awaited): no unhandled rejection.
    done.catch(() => undefined);
    const fresh: Batch = { lines: new BatchBytes(), ts: 0, last: -1, out: null, done, resolve, reject };
    this.queue.push(fresh);
    this.filling = fresh;
    return fresh;
  }

  /** Closes a batch to appends: its seal takes the next seq, so it follows the batch in the file. */
  private closeBatch(batch: Batch): void {
    if (batch.out) return;
    if (batch === this.filling) this.filling = null;
    const lines = batch.lines, count = lines.count;
    const seal = sealBatch(this.chain, [...lineSpans(this.carried), { bytes: lines.bytes.subarray(0, lines.tail), ends: lines.ends }], this.key);
    // The seal follows its batch in the same write.
    const sealFrom = lines.tail;
    lines.append(recordLine(seal, this.nextSeq, batch.ts));
    this.carried = [lines.bytes.slice(sealFrom, lines.tail)];
    this.nextSeq++;
    batch.last = this.nextSeq - 1;
    batch.out = lines.bytes.subarray(0, lines.tail);
    this.pendingHead.set(batch, { head: headOf(seal), lines: count + 1 });
  }

  private readonly pendingHead = new Map<Batch, { head: SealHead; lines: number }>();

  private schedule(): void {
    if (this.flushing || this.scheduled) return;
    this.scheduled = true;
    const run = () => void this.flush();
    if (this.mode !== "group") queueMicrotask(run);
    else if (this.opts.groupCommitMs > 0) setTimeout(run, this.opts.groupCommitMs);
    else setImmediate(run);
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    this.flushing = true;
    for (let batch = this.queue.shift(); batch && !this.failure; batch = this.queue.shift()) {
      this.closeBatch(batch);
      try {
        await this.file!.write(batch.out!);
      } catch (e) {
        this.failClosed(e, batch);
        break;
      }
      const sealed = this.pendingHead.get(batch)!;
      this.pendingHead.delete(batch);
      this.durable = batch.last;
      this.written += sealed.lines;
      this.sealsWritten++;
      this.lastSeal = sealed.head;
      try { this.opts.onSync?.(batch.last); } catch { /* an observer's failure must not stall the log */ }
      batch.resolve();
    }
    this.flushing = false;
  }

  private failClosed(e: unknown, batch?: Batch): void {
    if (this.failure) return;
    const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    this.failure = e instanceof RecorderError ? e : new RecorderError("EIO", `cannot write the flight log (${code}); the recorder has failed closed`, { cause: e });
    this.filling = null;
    for (const b of [...(batch ? [batch] : []), ...this.queue.splice(0)]) b.reject(this.failure);
  }
}

let nextSealerId = 1;

/** A file recorder's batch as bytes: lines are written into one growing buffer, which is what the
 * batch's write sends (no buffer per line, no concatenation). */
class BatchBytes implements LineBytes {
  bytes: Buffer = Buffer.allocUnsafe(BATCH_BYTES);
  readonly ends: number[] = [];
  private at = 0;

  get tail(): number { return this.at; }
  get count(): number { return this.ends.length; }

  room(most: number): Uint8Array {
    if (this.at + most > this.bytes.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.bytes.length * 2, this.at + most));
      this.bytes.copy(grown, 0, 0, this.at);
      this.bytes = grown;
    }
    return this.bytes;
  }

  commit(end: number): void {
    if (!(end > this.at + 1 && end <= this.bytes.length) || this.bytes[this.at] !== 0x7b || this.bytes[end - 1] !== 0x0a) throw new RangeError("a flight-record line is a JSON object and a newline");
    this.ends.push(end);
    this.at = end;
  }

  append(line: string): void {
    const into = this.room(line.length * 3) as Buffer;
    this.commit(this.at + into.write(line, this.at, "utf8"));
  }
}
const BATCH_BYTES = 64 * 1024;

function isSignKey(k: unknown): k is SignKey {
  return typeof k === "object" && k !== null && "kid" in k && "privateKey" in k;
}

function unref<T>(t: T): T {
  (t as { unref?: () => void }).unref?.();
  return t;
}

function invalid(e: unknown): RecorderError {
  if (e instanceof RecorderError) return e;
  if (e instanceof CanonicalJsonError) return new RecorderError("EINVAL", `the record is not JSON: ${e.message}`, { cause: e });
  return new RecorderError("EINVAL", `the record cannot be built: ${(e as Error).message}`, { cause: e });
}

