// The log file: opened O_APPEND, every batch one write and one fsync. Reopening a log checks it
// whole first (a recorder never extends a log that does not verify, nor seals over an edit) and
// continues from it: its seq, its last seal and its Merkle tree. What a crash left after the last
// seal is kept, and the next seal covers it; a partial last line (a write cut short, never
// acknowledged) is cut off first, because nothing can be appended after half a record.
import { constants, promises as fs } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import { dirname } from "node:path";
import { readLogState, type ReopenState } from "./reopen.js";
import { RecorderError } from "./recorder-error.js";
import type { SinkStats } from "./sink.js";

export interface OpenedFileSink {
  sink: FileSink;
  /** What the file already holds; null for a new (or empty) log, or a file that is not a regular file. */
  state: ReopenState | null;
}

export class FileSink {
  readonly stats: SinkStats = { writes: 0, syncs: 0, bytes: 0 };
  private closed: Promise<void> | null = null;

  private constructor(private readonly handle: FileHandle) {}

  /** Opens (creating if need be) the log at `path`. Failures are RecorderErrors: EIO; ECHAIN for a log
   * that does not verify; EFORMAT for a log of the first format. */
  static async open(path: string): Promise<OpenedFileSink> {
    let handle: FileHandle;
    try {
      handle = await fs.open(path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT, 0o600);
    } catch (e) {
      throw ioError(`cannot open ${path}`, e);
    }
    try {
      const st = await handle.stat();
      // Devices and pipes have no history to continue (and /dev/full would read zeros forever).
      if (!st.isFile() || st.size === 0) return { sink: new FileSink(handle), state: null };
      const state = readLogState(path, await fs.readFile(path));
      if (state.truncatedBytes > 0) await handle.truncate(st.size - state.truncatedBytes);
      await handle.sync();
      await syncDirectory(dirname(path));
      return { sink: new FileSink(handle), state };
    } catch (e) {
      await handle.close().catch(() => undefined);
      throw e instanceof RecorderError ? e : ioError(`cannot prepare ${path}`, e);
    }
  }

  async write(buf: Buffer): Promise<void> {
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

export function ioError(what: string, e: unknown): RecorderError {
  const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
  return new RecorderError("EIO", `${what}: ${code}`, { cause: e });
}

/** A new file's name is durable only once its directory is fsynced. */
async function syncDirectory(dir: string): Promise<void> {
  const d = await fs.open(dir, constants.O_RDONLY);
  try { await d.sync(); } finally { await d.close(); }
}
