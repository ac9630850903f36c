// `acpc ctl`: operator controls. Against a running kernel's control socket (`--socket`, served by
// `kernel.serveControl(path)` or `npm start -- --control PATH`): list agents with their state and
// the syscalls stopped for review, approve or reject those, send signals. Against a recorded
// flight log (`--log`): the same list, rebuilt from the records; a log cannot be acted on.
import { resolve } from "node:path";
import { controlRequest, type ControlRequest, type ControlResponse } from "../../../runtime/control/server.js";
import { renderRows, rowsFromLog, type AgentRow } from "../../../runtime/control/status.js";
import { RecorderError } from "../../../runtime/recorder/recorder-error.js";
import { describeVerdict, readLog } from "../../../runtime/recorder/verify.js";
import { EXIT, UsageError, checkFlags, parseArgs, type Io } from "../io.js";

const USAGE = `usage: acpc ctl list (--socket PATH | --log flight.log) [--json]
       acpc ctl approve <agent> --socket PATH [--json]
       acpc ctl reject <agent> --socket PATH [--json]
       acpc ctl signal <agent> <SIGSTOP|SIGCONT|SIGINT|SIGTERM|SIGKILL> --socket PATH [--json]
<agent> is an agent id, or the name of a live agent.`;

export async function ctlVerb(argv: string[], io: Io): Promise<number> {
  const args = parseArgs(argv, ["--socket", "--log"]);
  checkFlags(args, ["--socket", "--log", "--json"]);
  const [sub, ...pos] = args.positional;
  const socket = args.flags.get("--socket");
  const log = args.flags.get("--log");
  const json = args.flags.has("--json");
  if (!sub) throw new UsageError(USAGE);
  if (typeof socket === "string" && typeof log === "string") throw new UsageError("give --socket or --log, not both");
  if (sub === "list") {
    if (pos.length) throw new UsageError(USAGE);
    if (typeof log === "string") return listLog(io, log, json);
    if (typeof socket !== "string") throw new UsageError(`list needs --socket PATH (a running kernel) or --log FILE (a recorded one)\n${USAGE}`);
    const res = await ask(io, socket, { op: "list" });
    if (!res.ok) return failed(io, res, json);
    printRows(io, res.agents ?? [], json);
    return EXIT.ok;
  }
  let req: ControlRequest;
  if (sub === "approve" || sub === "reject") {
    if (pos.length !== 1) throw new UsageError(USAGE);
    req = { op: sub, agent: pos[0]! };
  } else if (sub === "signal") {
    if (pos.length !== 2) throw new UsageError(USAGE);
    req = { op: "signal", agent: pos[0]!, signal: pos[1]!.toUpperCase().replace(/^(?!SIG)/, "SIG") };
  } else {
    throw new UsageError(`unknown ctl command \`${sub}\`\n${USAGE}`);
  }
  if (typeof log === "string") throw new UsageError(`a recorded log is read-only: ${sub} needs a running kernel (--socket PATH)`);
  if (typeof socket !== "string") throw new UsageError(`${sub} needs --socket PATH\n${USAGE}`);
  const res = await ask(io, socket, req);
  if (!res.ok) return failed(io, res, json);
  const row = res.agent!;
  // A verdict takes effect once it is recorded, just after this answer: say so rather than show the
  // agent still stopped.
  const what = sub === "signal" ? `sent ${(req as { signal: string }).signal}; now ${row.state}`
    : `${sub === "approve" ? "approved: the syscall runs" : "rejected: the syscall fails with EPERM"} once the verdict is recorded, and the agent resumes`;
  io.out(json ? JSON.stringify(res) : `${row.id} (${row.name}): ${what}`);
  return EXIT.ok;
}

async function ask(io: Io, socket: string, req: ControlRequest): Promise<ControlResponse> {
  try {
    return await controlRequest(resolve(io.cwd, socket), req);
  } catch (e) {
    throw new UsageError(`cannot reach a kernel at ${socket}: ${(e as Error).message}`);
  }
}

function failed(io: Io, res: Extract<ControlResponse, { ok: false }>, json: boolean): number {
  if (json) io.out(JSON.stringify(res));
  else io.err(`acpc ctl: error[${res.error.code}]: ${res.error.message}`);
  return EXIT.failed;
}

function printRows(io: Io, rows: AgentRow[], json: boolean): void {
  if (json) io.out(JSON.stringify({ agents: rows }));
  else io.out(rows.length ? renderRows(rows) : "no agents");
}

function listLog(io: Io, file: string, json: boolean): number {
  let read;
  try { read = readLog(resolve(io.cwd, file)); } catch (e) {
    if (e instanceof RecorderError) throw new UsageError(e.message);
    throw e;
  }
  // Only what the log vouches for: the records before any break in the chain.
  printRows(io, rowsFromLog(read.records), json);
  if (!read.result.ok) { io.err(`${file}: ${describeVerdict(read.result)}`); return EXIT.failed; }
  return EXIT.ok;
}
