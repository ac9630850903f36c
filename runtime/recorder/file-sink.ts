// The log file: opened O_APPEND, every batch one write and one fsync. Reopening a log continues its
// chain from the last complete record; a partial last line (a write cut short by a crash, never
// acknowledged) is cut off first, because nothing can be appended after half a record.
import { constants, promises as fs } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import { dirname } from "node:path";
import { recomputeHash } from "./chain.js";
import { parseRecord } from "./record-schema.js";
import { RecorderError } from "./recorder-error.js";
import type { Sink, SinkStats } from "./sink.js";

export interface Head {
  seq: number;
  hash: string;
}

export interface OpenedFileSink {
  sink: FileSink;
  /** The last record already in the file, or null for a new (or empty) log. */
  head: Head | null;
  /** Bytes of a partial last line that were cut off. */
  truncatedBytes: number;
}

export class FileSink implements Sink<Buffer> {
  readonly stats: SinkStats = { writes: 0, syncs: 0, bytes: 0 };
  private closed: Promise<void> | null = null;

  private constructor(private readonly handle: FileHandle) {}

  /** Opens (creating if need be) the log at `path`. Failures are RecorderErrors: EIO, or ECHAIN for a last record that does not hash. */
  static async open(path: string): Promise<OpenedFileSink> {
    let handle: FileHandle;
    try {
      handle = await fs.open(path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT, 0o600);
    } catch (e) {
      throw ioError(`cannot open ${path}`, e);
    }
    try {
      const st = await handle.stat();
      // Devices and pipes have no tail to recover (and /dev/full would read zeros forever).
      if (!st.isFile()) return { sink: new FileSink(handle), head: null, truncatedBytes: 0 };
      const tail = st.size > 0 ? await readTail(path, st.size) : { head: null, partial: 0 };
      if (tail.partial > 0) await handle.truncate(st.size - tail.partial);
      await handle.sync();
      await syncDirectory(dirname(path));
      return { sink: new FileSink(handle), head: tail.head, truncatedBytes: tail.partial };
    } catch (e) {
      await handle.close().catch(() => undefined);
      throw e instanceof RecorderError ? e : ioError(`cannot prepare ${path}`, e);
    }
  }

  /** Encoded at once: a queue of flat buffers costs the garbage collector far less than one of concatenated strings. */
  encode(line: string): Buffer {
    return Buffer.from(line, "utf8");
  }

  async write(batch: readonly Buffer[]): Promise<void> {
    const buf = batch.length === 1 ? batch[0]! : Buffer.concat(batch);
    // O_APPEND puts every write at the end; a short write only continues where it stopped.
    for (let off = 0; off < buf.length;) {
      const { bytesWritten } = await this.handle.write(buf, off, buf.length - off);
      off += bytesWritten;
    }
    this.stats.writes++;
    this.stats.bytes += buf.length;
    await this.handle.sync();
    this.stats.syncs++;
  }

  close(): Promise<void> {
    return (this.closed ??= this.handle.close());
  }
}

function ioError(what: string, e: unknown): RecorderError {
  const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
  return new RecorderError("EIO", `${what}: ${code}`, { cause: e });
}

/** A new file's name is durable only once its directory is fsynced. */
async function syncDirectory(dir: string): Promise<void> {
  const d = await fs.open(dir, constants.O_RDONLY);
  try { await d.sync(); } finally { await d.close(); }
}

/** Finds the last complete line (reading backwards, a growing window at a time) and the size of what follows it. */
async function readTail(path: string, size: number): Promise<{ head: Head | null; partial: number }> {
  const h = await fs.open(path, constants.O_RDONLY);
  try {
    for (let window = Math.min(size, 64 * 1024); ; window = Math.min(size, window * 4)) {
      const buf = Buffer.alloc(window);
      await h.read(buf, 0, window, size - window);
      const end = buf.lastIndexOf(0x0a);
      if (end < 0 && window === size) return { head: null, partial: size };
      const start = end < 0 ? -1 : buf.lastIndexOf(0x0a, end - 1);
      if (end >= 0 && (start >= 0 || window === size)) {
        return { head: lastHead(path, buf.subarray(start + 1, end).toString("utf8")), partial: window - end - 1 };
      }
    }
  } finally {
    await h.close();
  }
}

function lastHead(path: string, line: string): Head {
  let json: unknown;
  try { json = JSON.parse(line); } catch { json = null; }
  const parsed = parseRecord(json);
  if (!parsed.ok || recomputeHash(parsed.record) !== parsed.record.hash) {
    throw new RecorderError("ECHAIN", `the last record of ${path} does not verify; run \`acpc audit verify ${path}\` before appending to it`);
  }
  return { seq: parsed.record.seq, hash: parsed.record.hash };
}
