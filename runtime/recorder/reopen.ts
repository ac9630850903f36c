// What a log file already holds when a recorder reopens it: checked whole (as `audit verify --live`
// would), so that a recorder never extends, nor seals over, a log that does not verify.
import { LogChecker, type AppendState } from "./check-log.js";
import { RecorderError } from "./recorder-error.js";
import { feedBytes } from "./verify.js";

export interface ReopenState {
  append: AppendState;
  /** Bytes of a partial last line, to cut off. */
  truncatedBytes: number;
  /** The last session did not close: the recorder that wrote it crashed. */
  crashed: boolean;
}

export function readLogState(path: string, bytes: Uint8Array): ReopenState {
  const checker = new LogChecker({ live: true }, false);
  const fed = feedBytes(bytes, checker);
  if ("v1" in fed) throw new RecorderError("EFORMAT", `${path} is an acp-flight/1 log: it still verifies (acpc audit verify), but a recorder writes acp-flight/2 and does not extend it; start a new file`);
  if ("badUtf8Line" in fed) throw new RecorderError("ECHAIN", `line ${fed.badUtf8Line} of ${path} is not UTF-8; run \`acpc audit verify ${path}\` before appending to it`);
  const result = checker.finish(fed.tailBytes);
  if (!result.ok) {
    const b = result.firstBad!;
    throw new RecorderError("ECHAIN", `${path} does not verify (${b.reason} at line ${b.line}: ${b.message}); run \`acpc audit verify ${path}\` before appending to it`);
  }
  const append = checker.appendState();
  return { append, truncatedBytes: fed.tailBytes, crashed: append.nextSeq > 0 && !append.closed };
}
