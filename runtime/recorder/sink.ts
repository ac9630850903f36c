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
 * Lines are kept as written and parsed when read, off the syscall path. */
export class MemorySink implements Sink<string> {
  readonly stats: SinkStats = { writes: 0, syncs: 0, bytes: 0 };
  private readonly lines: string[] = [];
  private readonly parsed: FlightRecord[] = [];

  /** The records so far, exactly as a reader of the lines sees them. */
  get records(): readonly FlightRecord[] {
    for (let i = this.parsed.length; i < this.lines.length; i++) this.parsed.push(JSON.parse(this.lines[i]!) as FlightRecord);
    return this.parsed;
  }

  encode(line: string): string {
    // A line is built by concatenation (a tree of pieces); reading a character makes V8 copy it
    // into one flat string, which is cheap to keep (no pointers for the GC to trace). Every line is
    // a JSON object, so the character read is checked too.
    if (line.charCodeAt(0) !== 0x7b) throw new RangeError("a flight-record line is a JSON object");
    return line;
  }

  async write(batch: readonly string[]): Promise<void> {
    this.stats.writes++;
    for (const line of batch) {
      this.lines.push(line);
      this.stats.bytes += line.length;
    }
  }

  async close(): Promise<void> {}
}
