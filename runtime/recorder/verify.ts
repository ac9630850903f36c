// `verify` and `readLog` over a log file, its bytes, or its lines. Every record ends with a newline,
// so whatever follows the last newline is a partial record: a truncated tail. Logs of the first
// format (acp-flight/1, a hash chain) still verify, and read as records of the current shape.
import { readFileSync } from "node:fs";
import { LogChecker, type CheckOptions, type VerifyResult } from "./check-log.js";
import type { FlightRecord } from "./record.js";
import { RecorderError } from "./recorder-error.js";
import type { RecorderKey } from "./v1/key.js";
import type { V1FlightRecord } from "./v1/record.js";
import { checkV1Chain } from "./v1/verify-chain.js";

/** A path, the log's bytes, or its lines (complete records, without newlines). */
export type LogSource = string | Uint8Array | readonly string[];

export interface VerifyOptions extends CheckOptions {
  /** acp-flight/1 logs: the HMAC key their seals were made with. */
  v1Key?: RecorderKey;
  /** acp-flight/1 logs: a record hash remembered from the recorder, which the log must still contain. */
  expectHead?: string;
}

export function verify(source: LogSource, opts: VerifyOptions = {}): VerifyResult {
  return readLog(source, opts, false).result;
}

const encoder = new TextEncoder();

/** The verdict and the records it vouches for (those before the first bad one). */
export function readLog(source: LogSource, opts: VerifyOptions = {}, keep = true): { result: VerifyResult; records: FlightRecord[] } {
  if (Array.isArray(source)) {
    const lines = source as readonly string[];
    if (isV1(lines[0])) return fromV1(checkV1Chain(lines, "", v1Options(opts)));
    const checker = new LogChecker(opts, keep);
    for (const text of lines) if (!checker.add(text, encoder.encode(text + "\n"))) break;
    return { result: checker.finish(), records: checker.records };
  }
  const bytes = typeof source === "string" ? readBytes(source) : (source as Uint8Array);
  const checker = new LogChecker(opts, keep);
  const fed = feedBytes(bytes, checker);
  if ("badUtf8Line" in fed) {
    const line = fed.badUtf8Line;
    const result = checker.finish();
    return { result: { ...result, ok: false, closed: false, firstBad: { seq: null, line, reason: "malformed", message: `line ${line} is not valid UTF-8` } }, records: [] };
  }
  if ("v1" in fed) return fromV1(checkV1Chain(fed.v1.lines, fed.v1.tail, v1Options(opts)));
  return { result: checker.finish(checker.failed ? 0 : fed.tailBytes), records: checker.records };
}

/**
 * Feeds a log's bytes to a checker, a line at a time. Whatever follows the last newline is a
 * partial record (a write cut short, or a cut file), which may end inside a character: only the
 * complete lines are decoded, and the partial one is counted. A log of the first format is handed
 * back as lines instead (its own checker reads it).
 */
export function feedBytes(bytes: Uint8Array, checker: LogChecker): { tailBytes: number } | { badUtf8Line: number } | { v1: { lines: string[]; tail: string } } {
  const complete = bytes.lastIndexOf(0x0a) + 1;
  const tailBytes = bytes.length - complete;
  // Fatal and BOM-keeping: the default decoder drops a leading BOM and turns invalid bytes into
  // U+FFFD, so a file whose bytes were changed could read as the same records.
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes.subarray(0, complete));
  } catch {
    return { badUtf8Line: firstBadUtf8Line(bytes.subarray(0, complete)) };
  }
  const lines = text.split("\n");
  lines.pop();
  if (isV1(lines[0])) return { v1: { lines, tail: tailBytes > 0 ? "x".repeat(tailBytes) : "" } };
  // A newline is one byte in UTF-8 and never inside another character: the i-th line of the text
  // is the bytes up to the i-th newline.
  let at = 0;
  for (const line of lines) {
    const end = bytes.indexOf(0x0a, at);
    if (!checker.add(line, bytes.subarray(at, end + 1))) break;
    at = end + 1;
  }
  return { tailBytes };
}

/** The 1-based line holding the first byte that is not UTF-8. */
function firstBadUtf8Line(bytes: Uint8Array): number {
  const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  let at = 0;
  for (let line = 1; ; line++) {
    const end = bytes.indexOf(0x0a, at);
    try { decoder.decode(bytes.subarray(at, end < 0 ? bytes.length : end)); } catch { return line; }
    if (end < 0) return line;
    at = end + 1;
  }
}

function readBytes(path: string): Uint8Array {
  try { return readFileSync(path); } catch (e) {
    throw new RecorderError("EIO", `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
  }
}

/** acp-flight/1 records carry `prev` and `hash`; the current format's carry neither. */
function isV1(first: string | undefined): boolean {
  return first !== undefined && first.startsWith("{") && first.includes(`"prev":"`) && first.includes(`"acp-flight/1"`);
}

function v1Options(opts: VerifyOptions) {
  return { ...(opts.v1Key ? { key: opts.v1Key } : {}), ...(opts.expectHead !== undefined ? { expectHead: opts.expectHead } : {}) };
}

function fromV1(v1: ReturnType<typeof checkV1Chain>): { result: VerifyResult; records: FlightRecord[] } {
  const r = v1.result;
  const result: VerifyResult = {
    ok: r.ok, format: "acp-flight/1", records: r.records,
    firstBad: r.firstBad && { ...r.firstBad, reason: r.firstBad.reason === "bad-seal" ? "bad-seal" : r.firstBad.reason },
    seals: r.sealed, sealedThrough: r.sealedThrough, unsealed: 0, closed: r.closed,
    signatures: r.sealedThrough !== null ? "verified" : r.sealed > 0 ? "unchecked" : "unsigned",
    head: null, sessions: v1.records.filter((x) => x.kind === "open").length, recovered: 0, partialBytes: 0,
  };
  return { result, records: v1.records.map(recordFromV1) };
}

/** An acp-flight/1 record in the current shape, for readers (show, replay, ctl list). */
export function recordFromV1(r: V1FlightRecord): FlightRecord {
  const { prev: _p, hash: _h, ...rest } = r;
  switch (rest.kind) {
    case "open": return { kind: "open", seq: r.seq, ts: r.ts, format: "acp-flight/1", policy: rest.policy, policyHash: rest.policyHash, kid: rest.keyId };
    case "syscall": {
      const { policyHash: _ph, argsTruncated, argsDigest, args, ...s } = rest;
      return { ...s, ...(argsTruncated ? { argsDigest } : args !== undefined && args !== null ? { args } : {}) };
    }
    case "seal": return { kind: "seal", seq: r.seq, ts: r.ts, size: rest.through + 1, hash: rest.mac, root: "", kid: rest.keyId };
    default: return rest as FlightRecord;
  }
}

/** One line for people: what `acpc audit verify` prints. */
export function describeVerdict(r: VerifyResult): string {
  if (r.firstBad) {
    const at = r.firstBad.seq === null ? `line ${r.firstBad.line}` : `line ${r.firstBad.line} (#${r.firstBad.seq})`;
    return `${r.firstBad.reason} at ${at}: ${r.firstBad.message}; ${r.records} record(s) before it read`;
  }
  if (r.format === "acp-flight/1") {
    const seals = r.sealedThrough !== null ? `, sealed through #${r.sealedThrough}` : r.seals ? `, ${r.seals} seal(s) not checked (no key)` : "";
    const end = r.closed ? "closed cleanly" : "NOT closed: the recorder crashed or the log was cut at a record boundary (only a seal or a remembered head can tell which)";
    return `ok: ${r.records} record(s) (acp-flight/1)${seals}; ${end}`;
  }
  const sig = r.signatures === "verified" ? ", signatures verified" : r.signatures === "unchecked" ? ", signed (signatures not checked: give --trust)" : "";
  const through = r.sealedThrough !== null ? `sealed through #${r.sealedThrough} in ${r.seals} seal(s)` : "no seal";
  const end = r.closed ? "closed cleanly" : `live: ${r.unsealed} record(s) not yet sealed${r.partialBytes ? `, ${r.partialBytes} bytes of a record being written` : ""}`;
  const crashes = r.recovered ? `; ${r.recovered} session(s) followed a crash` : "";
  return `ok: ${r.records} record(s), ${through}${sig}; ${end}${crashes}`;
}

export type { VerifyResult };
