// A log for people: one line per event, each syscall joined with its completion.
//   #12  10:41:03.120  payer(a1)  tool.call transfer  allow  rule=small-usd  ok 1.2ms
// Times are UTC, so the same log reads the same everywhere.
import type { CompleteRecord, FlightRecord, RecordedAgent } from "./record.js";

export interface ShowOptions {
  /** Only this agent's records (matched on id or name). */
  agent?: string;
  /** Seal records too (left out by default: they vouch for the others, and say nothing of agents). */
  seals?: boolean;
}

/** A record to show, with its completion when it is a syscall that has one. */
export interface ShowEntry {
  record: FlightRecord;
  completion?: CompleteRecord;
}

/** The records to show, completions folded into their syscalls (a completion without one stays on its own). */
export function showEntries(records: readonly FlightRecord[], opts: ShowOptions = {}): ShowEntry[] {
  const completions = new Map<number, CompleteRecord>();
  const syscalls = new Set<number>();
  for (const r of records) {
    if (r.kind === "complete") completions.set(r.of, r);
    if (r.kind === "syscall") syscalls.add(r.seq);
  }
  const out: ShowEntry[] = [];
  for (const r of records) {
    if (r.kind === "complete" && syscalls.has(r.of)) continue;
    if (r.kind === "seal" && !opts.seals) continue;
    if (opts.agent !== undefined && !("agent" in r && (r.agent.id === opts.agent || r.agent.name === opts.agent))) continue;
    const c = r.kind === "syscall" ? completions.get(r.seq) : undefined;
    out.push(c ? { record: r, completion: c } : { record: r });
  }
  return out;
}

export function show(records: readonly FlightRecord[], opts: ShowOptions = {}): string[] {
  return showEntries(records, opts).map(({ record: r, completion }) => {
    const cols = [`#${r.seq}`, time(r.ts)];
    switch (r.kind) {
      case "syscall":
        cols.push(who(r.agent), `${safe(r.syscall)} ${safe(r.target)}`, safe(r.effect), `rule=${r.rule === null ? "-" : safe(r.rule)}`);
        if (r.audit.length) cols.push(`audit=${r.audit.map(safe).join(",")}`);
        cols.push(r.ok !== undefined ? answered(r) : completion ? outcome(completion) : r.within !== undefined ? `within #${r.within}` : "no completion");
        if (r.argsDigest !== undefined) cols.push("(args over the size cap: digest only)");
        if (r.targetDigest !== undefined) cols.push(`(target of ${r.targetBytes} bytes: its first 4 KiB shown)`);
        break;
      case "complete": cols.push(`completes #${r.of}`, outcome(r)); break;
      case "signal": cols.push(who(r.agent), `signal ${safe(r.signal)}`, `from ${safe(r.source)}`); break;
      case "review": cols.push(who(r.agent), `review ${safe(r.syscall)} ${safe(r.target)}`, safe(r.verdict), ...(r.of !== undefined ? [`of #${r.of}`] : [])); break;
      case "log": cols.push(who(r.agent), `log ${JSON.stringify(r.text)}`); break;
      case "agent": cols.push(who(r.agent), safe(r.event), ...(r.detail && Object.keys(r.detail).length ? [JSON.stringify(r.detail)] : [])); break;
      case "open": {
        const policy = r.policy ? `policy ${safe(r.policy)}${r.policyHash ? ` ${safe(r.policyHash.slice(0, 12))}` : ""}` : "no policy named";
        cols.push("open", policy, r.kid ? `signed by key ${safe(r.kid)}` : "unsigned");
        if (r.format !== "acp-flight/2") cols.push(`(${safe(r.format)})`);
        if (r.recovered) cols.push(`(after a crash: ${r.recovered.unsealed} unsealed record(s) kept, ${r.recovered.truncatedBytes} bytes of a partial record cut)`);
        break;
      }
      case "seal": cols.push("seal", `through #${r.size - 1}`, ...(r.root ? [`root ${r.root.slice(0, 12)}`] : []), ...(r.kid ? [`key=${safe(r.kid)}`] : [])); break;
      case "policy": cols.push("policy", safe(r.policy), safe(r.policyHash.slice(0, 12))); break;
      case "close": cols.push("close"); break;
    }
    return cols.join("  ");
  });
}

const time = (ts: number): string => (Math.abs(ts) <= 8.64e15 ? new Date(ts).toISOString().slice(11, 23) : "??:??:??.???");

const who = (a: RecordedAgent): string => `${safe(a.name)}(${safe(a.id)})`;

/** Text an agent may have chosen (a target, a tool name, its own name), as one safe column: as it
 * is when it is plain, else as a JSON string, so no line break, terminal escape or bidi control in
 * a record can draw a line of its own or restyle the terminal. */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
const safe = (s: string): string => (UNSAFE.test(s) ? JSON.stringify(s).replace(/[\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`) : s);

/** A syscall answered in its own record. */
function answered(r: { ok?: boolean; errno?: string | null; effect: string }): string {
  return r.ok ? "ok" : r.errno != null ? safe(r.errno) : r.effect === "kill" ? "killed" : "refused";
}

function outcome(c: CompleteRecord): string {
  return `${c.ok ? "ok" : (c.errno === null ? "failed" : safe(c.errno))} ${duration(c.durationMs)}`;
}

function duration(ms: number): string {
  if (ms < 10) return `${ms.toFixed(1)}ms`;
  if (ms < 1000) return `${Math.round(ms)}ms`;
  return `${(ms / 1000).toFixed(2)}s`;
}
