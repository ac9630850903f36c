// Names what happened where the chain breaks. A record that hashes correctly but does not follow the
// one before it was inserted, moved, or follows a gap; the rest of the file tells which, because
// every genuine record names its predecessor's hash.
import type { V1FlightRecord as FlightRecord } from "./record.js";

export type BreakReason = "edited" | "reordered" | "inserted" | "deleted";

export interface Break {
  /** 0-based index of the line to blame (the breaking line, or the one before it). */
  index: number;
  /** The seq that line should have carried. */
  seq: number;
  reason: BreakReason;
  message: string;
}

/** Records that hash correctly, by line; null for lines that do not. */
export type Linkable = readonly (FlightRecord | null)[];

export function classifyBreak(lines: Linkable, i: number, expectedSeq: number, expectedPrev: string): Break {
  const r = lines[i]!;
  const a = i > 0 ? lines[i - 1] : null;
  const lineOf = new Map<string, number>();
  const named = new Set<string>();
  lines.forEach((x, j) => {
    if (!x) return;
    if (!lineOf.has(x.hash)) lineOf.set(x.hash, j);
    named.add(x.prev);
  });
  const here = (reason: BreakReason, message: string): Break => ({ index: i, seq: expectedSeq, reason, message });

  if (r.prev === expectedPrev) return here("inserted", `a record follows #${expectedSeq - 1} claiming seq ${r.seq}`);
  if (a && r.prev === a.prev) {
    // Two records claim the same predecessor: the one nothing follows is the forgery.
    if (r.seq === a.seq && !named.has(a.hash)) return { index: i - 1, seq: a.seq, reason: "inserted", message: `a second record claims seq ${a.seq}; nothing in the chain follows it` };
    return here("inserted", `a second record follows #${a.seq - 1}`);
  }
  const pred = lineOf.get(r.prev);
  if (pred !== undefined && pred > i) return here("reordered", `seq ${r.seq} appears before its predecessor (line ${pred + 1})`);
  if (pred !== undefined) return here("inserted", `a record that follows line ${pred + 1} appears again at line ${i + 1}`);
  const belongs = lines.findIndex((x, j) => j > i && x !== null && x.prev === expectedPrev && x.seq === expectedSeq);
  if (belongs >= 0) return here("inserted", `a record not in the chain stands before #${expectedSeq} (line ${belongs + 1})`);
  if (r.seq > expectedSeq) {
    const missing = r.seq - expectedSeq === 1 ? `#${expectedSeq} is` : `#${expectedSeq}..#${r.seq - 1} are`;
    return here("deleted", `${missing} missing`);
  }
  if (r.seq === expectedSeq && a) return { index: i - 1, seq: a.seq, reason: "edited", message: `#${a.seq} was rewritten: #${r.seq} names a different predecessor` };
  return here(i === 0 ? "edited" : "inserted", `seq ${r.seq} does not follow the chain`);
}
