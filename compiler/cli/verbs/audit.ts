// `acpc audit verify|show|replay <log>`: reads a flight log written by the runtime's recorder.
// verify exits 1 on any tampering or a truncated tail; show and replay print what the log vouches
// for (the records before a bad one) and exit 1 when it does not verify in full.
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { compile } from "../../compile.js";
import { renderDiagnostic } from "../../../grammar/diagnostics.js";
import { loadPolicy, PolicyLoadError, type Policy } from "../../../runtime/policy/load.js";
import { RateLimits } from "../../../runtime/kernel/rate-limits.js";
import type { FlightRecord } from "../../../runtime/recorder/record.js";
import { RecorderError } from "../../../runtime/recorder/recorder-error.js";
import { parseRecorderKey } from "../../../runtime/recorder/key.js";
import { show, showEntries } from "../../../runtime/recorder/show.js";
import type { VerifyOptions, VerifyResult } from "../../../runtime/recorder/verify-chain.js";
import { describeVerdict, readLog } from "../../../runtime/recorder/verify.js";
import { EXIT, UsageError, checkFlags, parseArgs, readText, type Io } from "../io.js";

const USAGE = `usage: acpc audit verify <log> [--key-file F] [--expect-head HASH] [--after SEQ:HASH] [--json]
       acpc audit show <log> [--agent ID] [--json]
       acpc audit replay <log> --policy <new.acp|new.wasm> [--manifest M] [--json]`;

export async function auditVerb(argv: string[], io: Io): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === "verify") return verifyLog(rest, io);
  if (sub === "show") return showLog(rest, io);
  if (sub === "replay") return replayLog(rest, io);
  throw new UsageError(sub ? `unknown audit command \`${sub}\`\n${USAGE}` : USAGE);
}

function verifyLog(argv: string[], io: Io): number {
  const args = parseArgs(argv, ["--key-file", "--expect-head", "--after"]);
  checkFlags(args, ["--key-file", "--expect-head", "--after", "--json"]);
  const file = onePath(args.positional);
  const opts: VerifyOptions = {};
  const keyFile = args.flags.get("--key-file");
  if (typeof keyFile === "string") {
    const k = parseRecorderKey(readText(resolve(io.cwd, keyFile)));
    if (!k.ok) throw new UsageError(`${keyFile}: ${k.message}`);
    opts.key = k.key;
  }
  const head = args.flags.get("--expect-head");
  if (typeof head === "string") opts.expectHead = head;
  // A segment of a log whose earlier records were shipped and released (FlightRecorder.release):
  // it chains from the last released record.
  const after = args.flags.get("--after");
  if (typeof after === "string") {
    const m = /^(\d+):([0-9a-f]{64})$/.exec(after);
    if (!m) throw new UsageError(`--after takes SEQ:HASH (the last released record's seq and 64-hex hash), not \`${after}\``);
    opts.after = { seq: Number(m[1]), hash: m[2]! };
  }
  const { result } = read(io, file, opts);
  io.out(args.flags.has("--json") ? JSON.stringify({ file, ...result }) : `${file}: ${describeVerdict(result)}`);
  return result.ok ? EXIT.ok : EXIT.failed;
}

function showLog(argv: string[], io: Io): number {
  const args = parseArgs(argv, ["--agent"]);
  checkFlags(args, ["--agent", "--json"]);
  const file = onePath(args.positional);
  const agent = args.flags.get("--agent");
  const opts = typeof agent === "string" ? { agent } : {};
  const { result, records } = read(io, file);
  if (args.flags.has("--json")) io.out(JSON.stringify({ file, verify: result, entries: showEntries(records, opts) }));
  else for (const line of show(records, opts)) io.out(line);
  return warnUnlessOk(io, file, result);
}

async function replayLog(argv: string[], io: Io): Promise<number> {
  const args = parseArgs(argv, ["--policy", "--manifest"]);
  checkFlags(args, ["--policy", "--manifest", "--json"]);
  const file = onePath(args.positional);
  const policyArg = args.flags.get("--policy");
  if (typeof policyArg !== "string") throw new UsageError("replay needs --policy <new.acp|new.wasm>");
  const policy = await policyFrom(io, policyArg, args.flags.get("--manifest"));
  if (!policy) return EXIT.usage;
  const { result, records } = read(io, file);
  const r = replay(records, policy);
  if (args.flags.has("--json")) {
    io.out(JSON.stringify({ file, policy: policy.manifest.policy, verified: result.ok, ...r }));
  } else {
    for (const c of r.changed) io.out(`#${c.seq}  ${c.agent}  ${c.syscall} ${c.target}  ${c.from.effect} rule=${c.from.rule ?? "-"} -> ${c.to.effect} rule=${c.to.rule ?? "-"}`);
    const skipped = r.notReplayable.length ? `, ${r.notReplayable.length} not replayable (args over the size cap: ${r.notReplayable.map((s) => `#${s}`).join(", ")})` : "";
    io.out(`${r.replayed} syscall(s) replayed under policy ${policy.manifest.policy}: ${r.changed.length} would change${skipped}`);
  }
  return warnUnlessOk(io, file, result);
}

interface Change {
  seq: number;
  agent: string;
  syscall: string;
  target: string;
  from: { effect: string; rule: string | null };
  to: { effect: string; rule: string | null };
}

/**
 * Re-decides every recorded syscall from its stored args, in log order, with the policy's `limit`s
 * counted as the kernel counts them (per agent, allowed calls only) at each record's time: a call
 * the kernel refused for its rate is refused the same way, and a changed limit shows as a change.
 */
function replay(records: readonly FlightRecord[], policy: Policy): { replayed: number; changed: Change[]; notReplayable: number[] } {
  const changed: Change[] = [];
  const notReplayable: number[] = [];
  const limits = new RateLimits(policy.manifest);
  let replayed = 0;
  for (const r of records) {
    if (r.kind !== "syscall") continue;
    if (r.argsTruncated) { notReplayable.push(r.seq); continue; }
    replayed++;
    let d: { effect: string; rule: string | null } = policy.decide({ agent: r.agent, syscall: r.syscall, target: r.target, args: r.args });
    if (d.effect === "allow" && !limits.admit(r.agent.id, r.syscall, r.target, r.ts).ok) d = { effect: policy.manifest.onViolation, rule: null };
    if (d.effect === r.effect && d.rule === r.rule) continue;
    changed.push({
      seq: r.seq, agent: `${r.agent.name}(${r.agent.id})`, syscall: r.syscall, target: r.target,
      from: { effect: r.effect, rule: r.rule }, to: { effect: d.effect, rule: d.rule },
    });
  }
  return { replayed, changed, notReplayable };
}

async function policyFrom(io: Io, file: string, manifestFlag: string | true | undefined): Promise<Policy | null> {
  const path = resolve(io.cwd, file);
  if (path.endsWith(".wasm")) {
    const mPath = typeof manifestFlag === "string" ? resolve(io.cwd, manifestFlag) : path.replace(/\.wasm$/, ".manifest.json");
    if (!existsSync(mPath)) throw new UsageError(`no manifest beside the module (looked for ${mPath}); pass --manifest`);
    try {
      return await loadPolicy(new Uint8Array(readFileSync(path)), readText(mPath));
    } catch (e) {
      if (e instanceof PolicyLoadError) { io.err(`${file}: ${e.message}`); return null; }
      throw new UsageError(`cannot read ${file}: ${(e as Error).message}`);
    }
  }
  const source = readText(path);
  const r = compile(source, { filename: file });
  for (const d of r.diagnostics) if (d.severity === "error") io.err(renderDiagnostic(d, source, { color: io.color }) + "\n");
  return r.wasm && r.manifest ? loadPolicy(r.wasm, r.manifest) : null;
}

function read(io: Io, file: string, opts: VerifyOptions = {}): { result: VerifyResult; records: FlightRecord[] } {
  try {
    return readLog(resolve(io.cwd, file), opts);
  } catch (e) {
    if (e instanceof RecorderError) throw new UsageError(e.message);
    throw e;
  }
}

function onePath(positional: string[]): string {
  if (positional.length !== 1) throw new UsageError(USAGE);
  return positional[0]!;
}

function warnUnlessOk(io: Io, file: string, result: VerifyResult): number {
  if (result.ok) return EXIT.ok;
  io.err(`${file}: ${describeVerdict(result)} (only the records before it were used)`);
  return EXIT.failed;
}
