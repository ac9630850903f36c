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
 * an edge worker too) and parsed when read, off the syscall path. Lines a host has shipped can be
 * released: a chunk is dropped, and its memory with it, once every line in it is released. */
export class MemorySink implements Sink<string> {
  readonly stats: SinkStats = { writes: 0, syncs: 0, bytes: 0 };
  /** Held chunks, oldest first; the last one takes new lines. */
  private readonly chunks: Chunk[] = [];
  /** Lines before this one are released: never read again. */
  private firstHeld = 0;
  private lines = 0;

  /** The held lines from line `start` on, parsed now, exactly as a reader of the lines sees them.
   * Nothing parsed is kept: a long log stays compact bytes however often it is read. */
  recordsFrom(start: number): FlightRecord[] {
    const out: FlightRecord[] = [];
    for (let i = Math.max(this.firstHeld, start); i < this.lines; i++) out.push(JSON.parse(this.line(i)) as FlightRecord);
    return out;
  }

  /** Forgets lines up to and including `through` (lines already released stay so). Returns line
   * `through` itself, parsed, when this call released it, so the caller can anchor what is left. */
  release(through: number): FlightRecord | null {
    const last = Math.min(through, this.lines - 1);
    if (last < this.firstHeld) return null;
    const anchor = JSON.parse(this.line(last)) as FlightRecord;
    this.firstHeld = last + 1;
    // Whole chunks only: a chunk goes when the first line of the next one is released too. The
    // chunk taking new lines stays, so a host releasing after every few records allocates nothing.
    while (this.chunks.length > 1 && this.chunks[1]!.first <= this.firstHeld) this.chunks.shift();
    return anchor;
  }

  /** Bytes of the chunks still held. */
  heldBytes(): number {
    let n = 0;
    for (const c of this.chunks) n += c.bytes.length;
    return n;
  }

  /** Line i as written, newline included. */
  private line(i: number): string {
    // The last chunk whose first line is at or before i.
    let lo = 0, hi = this.chunks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.chunks[mid]!.first <= i) lo = mid; else hi = mid - 1;
    }
    const c = this.chunks[lo]!, k = i - c.first;
    return decoder.decode(c.bytes.subarray(k > 0 ? c.ends[k - 1]! : 0, c.ends[k]!));
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
    let c = this.chunks.at(-1);
    let used = c?.ends.at(-1) ?? 0;
    if (c === undefined || used + most > c.bytes.length) {
      c = { bytes: newChunk(Math.max(CHUNK_BYTES, most)), ends: [], first: this.lines };
      this.chunks.push(c);
      used = 0;
    }
    const n = writeUtf8(line, c.bytes, used);
    // Checked on the bytes (reading the string's first character would make V8 flatten it first).
    if (c.bytes[used] !== 0x7b) throw new RangeError("a flight-record line is a JSON object");
    c.ends.push(used + n);
    this.lines++;
    this.stats.writes++;
    this.stats.bytes += n;
  }

  async close(): Promise<void> {}
}

/** Consecutive lines in one block of bytes: line `first + k` ends at `ends[k]`. */
interface Chunk {
  bytes: Uint8Array;
  ends: number[];
  first: number;
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
