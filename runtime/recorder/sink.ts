// Where linked records go. A sink's write resolves only once every line it was given is durable
// (for a file: written and fsynced); the recorder acknowledges appends on that and nothing earlier.
import type { FlightRecord } from "./record.js";

export interface SinkStats {
  /** Batches written (one write call each, short writes aside). */
  writes: number;
  /** fsync calls that returned. */
  syncs: number;
  bytes: number;
}

export interface Sink<T = unknown> {
  readonly stats: SinkStats;
  /** The form a line waits in until it is written. Called at append time, so a long queue holds compact, flat data. */
  encode(line: string): T;
  write(batch: readonly T[]): Promise<void>;
  close(): Promise<void>;
}

/** Keeps the log in memory: for tests, and for embedders that ship records elsewhere themselves.
 * Lines are kept as UTF-8 bytes in large chunks outside the JS heap (a long log costs the garbage
 * collector nothing; Node's Buffer writer where there is one, the Web encoder elsewhere, so it runs in
 * an edge worker too) and parsed when read, off the syscall path. */
export class MemorySink implements Sink<string> {
  readonly stats: SinkStats = { writes: 0, syncs: 0, bytes: 0 };
  private readonly chunks: Uint8Array[] = [];
  private chunk: Uint8Array | null = null;
  private used = 0;
  /** Per line: its end in its chunk (it starts where the line before it in that chunk ended). */
  private readonly lineEnd: number[] = [];
  /** Per chunk: the index of its first line. */
  private readonly firstLine: number[] = [];
  /** The records from line `start` on, parsed now, exactly as a reader of the lines sees them.
   * Nothing parsed is kept: a long log stays compact bytes however often it is read. */
  recordsFrom(start: number): FlightRecord[] {
    const out: FlightRecord[] = [];
    for (let i = Math.max(0, start); i < this.lineEnd.length; i++) out.push(JSON.parse(this.line(i)) as FlightRecord);
    return out;
  }

  /** Line i as written, newline included. */
  private line(i: number): string {
    // The last chunk whose first line is at or before i.
    let lo = 0, hi = this.firstLine.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.firstLine[mid]! <= i) lo = mid; else hi = mid - 1;
    }
    const start = i > this.firstLine[lo]! ? this.lineEnd[i - 1]! : 0;
    return decoder.decode(this.chunks[lo]!.subarray(start, this.lineEnd[i]!));
  }

  encode(line: string): string {
    if (line.charCodeAt(0) !== 0x7b) throw new RangeError("a flight-record line is a JSON object");
    return line;
  }

  async write(batch: readonly string[]): Promise<void> {
    for (const line of batch) this.append(line);
  }

  /** One line, kept before this returns (the memory recorder appends this way, with no batch). */
  append(line: string): void {
    // UTF-8 takes at most 3 bytes per UTF-16 unit; a line that might not fit starts a new chunk.
    const most = line.length * 3;
    if (this.chunk === null || this.used + most > this.chunk.length) {
      this.chunk = newChunk(Math.max(CHUNK_BYTES, most));
      this.chunks.push(this.chunk);
      this.firstLine.push(this.lineEnd.length);
      this.used = 0;
    }
    const start = this.used;
    const n = writeUtf8(line, this.chunk, start);
    // Checked on the bytes (reading the string's first character would make V8 flatten it first).
    if (this.chunk[start] !== 0x7b) throw new RangeError("a flight-record line is a JSON object");
    this.used += n;
    this.lineEnd.push(this.used);
    this.stats.writes++;
    this.stats.bytes += n;
  }

  async close(): Promise<void> {}
}

/** Bytes per chunk of a memory log. */
const CHUNK_BYTES = 1 << 20;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A chunk Node's writer can write into (a Buffer), or a plain byte array elsewhere. */
const newChunk = (n: number): Uint8Array => {
  const B = (globalThis as { Buffer?: { allocUnsafeSlow(n: number): Uint8Array } }).Buffer;
  return nodeWrite && B ? B.allocUnsafeSlow(n) : new Uint8Array(n);
};

/** Writes `text` as UTF-8 at `at`, returning the bytes written: Node's Buffer writer where there is
 * one (no view or result object per call), the Web encoder elsewhere. */
const nodeWrite = (globalThis as { Buffer?: { prototype: { utf8Write?: unknown } } }).Buffer?.prototype.utf8Write as
  ((this: Uint8Array, text: string, offset: number) => number) | undefined;
const writeUtf8: (text: string, into: Uint8Array, at: number) => number = typeof nodeWrite === "function"
  ? (text, into, at) => nodeWrite.call(into, text, at)
  : (text, into, at) => encoder.encodeInto(text, into.subarray(at)).written;
