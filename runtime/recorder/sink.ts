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

/** Keeps the log in memory: for tests, and for embedders that ship records elsewhere themselves. */
export class MemorySink implements Sink<string> {
  readonly stats: SinkStats = { writes: 0, syncs: 0, bytes: 0 };
  readonly records: FlightRecord[] = [];

  encode(line: string): string {
    return line;
  }

  async write(batch: readonly string[]): Promise<void> {
    this.stats.writes++;
    for (const line of batch) {
      // The record exactly as a reader of the line sees it.
      this.records.push(JSON.parse(line) as FlightRecord);
      this.stats.bytes += line.length;
    }
  }

  async close(): Promise<void> {}
}
