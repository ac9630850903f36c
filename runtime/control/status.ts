// What an operator sees of agents: one row each, from a live kernel or rebuilt from a flight log.
import type { FlightRecord } from "../recorder/record.js";
import type { PendingReview } from "../kernel/types.js";

export interface AgentRow {
  id: string;
  name: string;
  tenant: string;
  role: string;
  state: string;
  priority: number;
  /** Interpreter ticks used (null from a log: the log does not hold them). */
  ticks: number | null;
  syscalls: number;
  /** The syscall stopped for review, if one is waiting. */
  pending: PendingReview | null;
  /** How it ended: its signal or error code. */
  ended: string | null;
}

/** The minimal view of a live agent that `rowOf` reads. */
export interface LiveAgent {
  id: string; name: string; tenant: string; state: string; priority: number; ticks: number;
  info: { role: string };
  exit: { signal: string | null; error: { code: string | null } | null; syscalls: number } | null;
  pending(): PendingReview | null;
  syscallCount: number;
}

export function rowOf(a: LiveAgent): AgentRow {
  return {
    id: a.id, name: a.name, tenant: a.tenant, role: a.info.role, state: a.state, priority: a.priority, ticks: a.ticks,
    syscalls: a.exit?.syscalls ?? a.syscallCount, pending: a.pending(), ended: a.exit ? (a.exit.signal ?? a.exit.error?.code ?? null) : null,
  };
}

/**
 * Agents as a recorded log leaves them: spawned ones, their syscall counts, SIGSTOP/SIGCONT,
 * reviews still waiting (a syscall decided `stop` with no review after it; the oldest is the one
 * under review, as live), and how each ended.
 * An agent whose log stops before its end shows the state it was last in (a crash of the host).
 */
export function rowsFromLog(records: readonly FlightRecord[]): AgentRow[] {
  const rows = new Map<string, AgentRow & { stops: Map<number, PendingReview>; sigstopped?: boolean }>();
  const row = (r: { agent: { id: string; name: string; tenant: string; role?: string } }) => {
    let x = rows.get(r.agent.id);
    if (!x) rows.set(r.agent.id, (x = { id: r.agent.id, name: r.agent.name, tenant: r.agent.tenant, role: r.agent.role ?? "", state: "running", priority: 0, ticks: null, syscalls: 0, pending: null, ended: null, stops: new Map() }));
    return x;
  };
  for (const r of records) {
    switch (r.kind) {
      case "agent": {
        const x = row(r);
        if (r.event === "spawned") x.state = "running";
        else {
          x.state = r.event;
          const d = r.detail as { signal?: string | null; error?: { code?: string | null } | null; syscalls?: number } | undefined;
          x.ended = d?.signal ?? d?.error?.code ?? null;
          if (typeof d?.syscalls === "number") x.syscalls = d.syscalls;
          x.stops.clear();
        }
        break;
      }
      case "syscall": {
        const x = row(r);
        if (!x.ended) x.syscalls++;
        if (r.effect === "stop") x.stops.set(r.seq, { syscall: r.syscall, target: r.target, rule: r.rule, args: r.args ?? null });
        break;
      }
      case "review": {
        const x = row(r);
        if (r.of !== undefined) x.stops.delete(r.of); else x.stops.clear();
        if (x.state === "stopped" && x.stops.size === 0 && !x.sigstopped) x.state = "running";
        break;
      }
      case "signal": {
        const x = row(r);
        if (r.signal === "SIGSTOP" && r.source !== "policy") x.sigstopped = true;
        if (r.signal === "SIGCONT") x.sigstopped = false;
        if (r.signal === "SIGSTOP" && x.state === "running") x.state = "stopped";
        if (r.signal === "SIGCONT" && x.state === "stopped" && x.stops.size === 0) x.state = "running";
        break;
      }
      default:
        break;
    }
  }
  return [...rows.values()].map(({ stops, sigstopped, ...x }) => ({ ...x, pending: [...stops.values()][0] ?? null }));
}

/** A plain-text table of rows, for the CLI. */
export function renderRows(rows: readonly AgentRow[]): string {
  const head = ["ID", "NAME", "TENANT", "STATE", "PRIO", "TICKS", "SYSCALLS", "PENDING REVIEW"];
  const body = rows.map((r) => [r.id, r.name, r.tenant || "-", r.ended ? `${r.state} (${r.ended})` : r.state, String(r.priority), r.ticks === null ? "-" : String(r.ticks), String(r.syscalls),
    r.pending ? `${r.pending.syscall} ${r.pending.target} ${JSON.stringify(r.pending.args)} (rule ${r.pending.rule ?? "default"})` : "-"]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  return [head, ...body].map((cols) => cols.map((c, i) => (i === cols.length - 1 ? c : c.padEnd(widths[i]!))).join("  ")).join("\n");
}
