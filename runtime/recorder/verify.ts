// `verify` and `readLog` over a log file, its bytes, or its lines. Every record ends with a newline,
// so whatever follows the last newline is a partial record: a truncated tail.
import { readFileSync } from "node:fs";
import type { FlightRecord } from "./record.js";
import { RecorderError } from "./recorder-error.js";
import { checkChain, type VerifyOptions, type VerifyResult } from "./verify-chain.js";

/** A path, the log's bytes, or its lines (complete records, without newlines). */
export type LogSource = string | Uint8Array | readonly string[];

export function verify(source: LogSource, opts: VerifyOptions = {}): VerifyResult {
  return readLog(source, opts).result;
}

/** The verdict and the records it vouches for (those before the first bad one). */
export function readLog(source: LogSource, opts: VerifyOptions = {}): { result: VerifyResult; records: FlightRecord[] } {
  if (Array.isArray(source)) return checkChain(source as readonly string[], "", opts);
  // Fatal and BOM-keeping: the default decoder drops a leading BOM and turns invalid bytes into
  // U+FFFD, so a file whose bytes were changed could read as the same records.
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(typeof source === "string" ? readBytes(source) : (source as Uint8Array));
  } catch (e) {
    if (e instanceof RecorderError) throw e;
    return checkChain([], "", opts, { seq: null, line: 1, reason: "malformed", message: "the log is not valid UTF-8" });
  }
  const lines = text.split("\n");
  const tail = lines.pop()!;
  return checkChain(lines, tail, opts);
}

function readBytes(path: string): Uint8Array {
  try { return readFileSync(path); } catch (e) {
    throw new RecorderError("EIO", `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
  }
}

/** One line for people: what `acpc audit verify` prints. */
export function describeVerdict(r: VerifyResult): string {
  if (r.firstBad) {
    const at = r.firstBad.seq === null ? `line ${r.firstBad.line}` : `line ${r.firstBad.line} (#${r.firstBad.seq})`;
    return `${r.firstBad.reason} at ${at}: ${r.firstBad.message}; ${r.records} record(s) before it verify`;
  }
  const seals = r.sealedThrough !== null ? `, sealed through #${r.sealedThrough}` : r.sealed ? `, ${r.sealed} seal(s) not checked (no key)` : "";
  const end = r.closed ? "closed cleanly" : "NOT closed: the recorder crashed or the log was cut at a record boundary (only a seal or a remembered head can tell which)";
  return `ok: ${r.records} record(s)${seals}; ${end}`;
}
