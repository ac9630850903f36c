// Where record lines go. A sink's write resolves only once every line it was given is durable
// (for a file: written and fsynced); the recorder acknowledges appends on that and nothing earlier.

export interface SinkStats {
  /** Batches written (one write call each, short writes aside). */
  writes: number;
  /** fsync calls that returned. */
  syncs: number;
  bytes: number;
}

/**
 * Keeps the log in memory: for tests, and for embedders that ship records elsewhere themselves.
 * Lines are kept as UTF-8 bytes in large chunks outside the JS heap (a long log costs the garbage
 * collector nothing; Node's Buffer writer where there is one, the Web encoder elsewhere, so it runs
 * in an edge worker too) and parsed when read, off the syscall path. Lines a host has shipped can be
 * released: a chunk is dropped, and its memory with it, once every line in it is released.
 */
export class MemorySink {
  readonly stats: SinkStats = { writes: 0, syncs: 0, bytes: 0 };
  /** Held chunks, oldest first; the last one takes new lines. */
  private readonly chunks: Chunk[] = [];
  /** Lines before this one are released: never read again. */
  private firstHeld = 0;
  private lines = 0;
  private nextChunkId = 0;
  /** Where the next line starts in the last chunk. */
  private tailAt = 0;
  /** A released chunk's memory, for the next chunk. */
  private spare: Uint8Array | null = null;

  /** `first`: the seq of the first line this sink will hold. */
  constructor(private readonly first = 0) {
    this.firstHeld = first;
    this.lines = first;
  }

  /** Lines appended so far (the next line's seq). */
  get size(): number { return this.lines; }

  /** The first line still held. */
  get held(): number { return this.firstHeld; }

  /** Line i as written, newline included, as bytes (a view: valid until released). */
  bytes(i: number): Uint8Array {
    const c = this.chunkOf(i), k = i - c.first;
    return c.bytes.subarray(k > 0 ? c.ends[k - 1]! : 0, c.ends[k]!);
  }

  /** Line i as text, without the newline. */
  text(i: number): string {
    const b = this.bytes(i);
    return decode(b.subarray(0, b.length - 1));
  }

  /** The bytes of lines [from, to) as they lie in the chunks: one view per chunk touched. */
  spans(from: number, to: number): Span[] {
    const out: Span[] = [];
    for (let i = from; i < to;) {
      const c = this.chunkOf(i), k = i - c.first;
      const last = Math.min(to, c.first + c.ends.length);
      const start = k > 0 ? c.ends[k - 1]! : 0, end = c.ends[last - 1 - c.first]!;
      // A typed array: it crosses to the sealer thread as one copy, an array of numbers one by one.
      const ends = new Uint32Array(last - i);
      for (let j = 0; j < ends.length; j++) ends[j] = c.ends[k + j]! - start;
      out.push({ chunk: c.id, start, end, bytes: c.bytes.subarray(start, end), ends });
      i = last;
    }
    return out;
  }

  /** Forgets lines before `upTo` (lines already released stay so). */
  release(upTo: number): void {
    const to = Math.min(upTo, this.lines);
    if (to <= this.firstHeld) return;
    this.firstHeld = to;
    // Whole chunks only: a chunk goes when the first line of the next one is released too. The
    // chunk taking new lines stays, so a host releasing after every few records allocates nothing.
    while (this.chunks.length > 1 && this.chunks[1]!.first <= this.firstHeld) {
      const dropped = this.chunks.shift()!;
      // One dropped chunk is kept to take new lines: memory already touched costs no page faults.
      if (this.spare === null && dropped.bytes.length === CHUNK_BYTES) this.spare = dropped.bytes;
    }
  }

  /** Bytes of the chunks still held (the spare one too). */
  heldBytes(): number {
    let n = this.spare?.length ?? 0;
    for (const c of this.chunks) n += c.bytes.length;
    return n;
  }

  private chunkOf(i: number): Chunk {
    if (!(i >= this.firstHeld && i < this.lines)) throw new RangeError(`line ${i} is not held (held: ${this.firstHeld}..${this.lines - 1})`);
    // The last chunk whose first line is at or before i.
    let lo = 0, hi = this.chunks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.chunks[mid]!.first <= i) lo = mid; else hi = mid - 1;
    }
    return this.chunks[lo]!;
  }

  /** One line (a JSON object and its newline), kept before this returns. */
  append(line: string): void {
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    const out = this.room(line.length * 3);
    this.commit(this.tail + writeUtf8(line, out, this.tail));
  }

  /** The block to write a line of at most `most` bytes into, from `tail` on (a line that might not
   * fit where the last one ended starts a new chunk); `commit` keeps what was written. */
  room(most: number): Uint8Array {
    const c = this.chunks.at(-1);
    if (c !== undefined && this.tailAt + most <= c.bytes.length) return c.bytes;
    let bytes: Uint8Array;
    if (this.spare !== null && most <= CHUNK_BYTES) { bytes = this.spare; this.spare = null; } else bytes = newChunk(Math.max(CHUNK_BYTES, most));
    const fresh: Chunk = { id: this.nextChunkId++, bytes, ends: [], first: this.lines };
    this.chunks.push(fresh);
    this.tailAt = 0;
    return fresh.bytes;
  }

  /** Where the next line starts in the block `room` gives. */
  get tail(): number { return this.tailAt; }

  /** Keeps the line written into `room`'s block from `tail` to `end` (its newline included). */
  commit(end: number): void {
    const c = this.chunks.at(-1)!, at = this.tailAt;
    if (!(end > at + 1 && end <= c.bytes.length) || c.bytes[at] !== 0x7b || c.bytes[end - 1] !== 0x0a) throw new RangeError("a flight-record line is a JSON object and a newline");
    c.ends.push(end);
    this.tailAt = end;
    this.lines++;
    this.stats.writes++;
    this.stats.bytes += end - at;
  }
}

/** Consecutive lines in one block of bytes: line `first + k` ends at `ends[k]`. */
export interface Chunk {
  id: number;
  bytes: Uint8Array;
  ends: number[];
  first: number;
}

export interface Span {
  chunk: number;
  start: number;
  end: number;
  bytes: Uint8Array;
  /** Where each line ends in `bytes` (after its newline). */
  ends: Uint32Array;
}

/** Bytes per chunk of a memory log. */
const CHUNK_BYTES = 1 << 20;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

type NodeBuffer = { from(ab: ArrayBufferLike): Uint8Array; allocUnsafeSlow(n: number): Uint8Array; prototype: { utf8Write?: unknown; utf8Slice?: unknown } };
const NodeBuf = (globalThis as { Buffer?: NodeBuffer }).Buffer;

/** A chunk Node's writer can write into (a Buffer), or a plain byte array elsewhere. */
const newChunk = (n: number): Uint8Array => (nodeWrite && NodeBuf ? NodeBuf.allocUnsafeSlow(n) : new Uint8Array(n));

/** Writes `text` as UTF-8 at `at`, returning the bytes written: Node's Buffer writer where there is
 * one (no view or result object per call), the Web encoder elsewhere. */
const nodeWrite = NodeBuf?.prototype.utf8Write as ((this: Uint8Array, text: string, offset: number, length: number) => number) | undefined;
// The length is given: workerd's Buffer defaults it to the whole buffer's and refuses it past `at`.
const writeUtf8: (text: string, into: Uint8Array, at: number) => number = typeof nodeWrite === "function"
  ? (text, into, at) => nodeWrite.call(into, text, at, into.length - at)
  : (text, into, at) => encoder.encodeInto(text, into.subarray(at)).written;

/** Decodes bytes. */
const nodeSlice = NodeBuf?.prototype.utf8Slice as ((this: Uint8Array, start: number, end: number) => string) | undefined;
const decode = (b: Uint8Array): string => (typeof nodeSlice === "function" && NodeBuf && b instanceof (NodeBuf as unknown as typeof Uint8Array) ? nodeSlice.call(b, 0, b.length) : decoder.decode(b.slice()));
