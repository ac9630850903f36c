// `acpc audit verify|prove|show|replay <log>`: reads a flight log written by the runtime's recorder.
// verify exits 1 on any tampering, a truncated or unsealed tail, or a log not closed (unless
// --live); prove prints an inclusion or consistency proof, which `verify --proof` checks against a
// trusted head without the log; show and replay print what the log vouches for (the records
// before a bad one) and exit 1 when it does not verify in full.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { compile } from "../../compile.js";
import { renderDiagnostic } from "../../../grammar/diagnostics.js";
import { loadPolicy, PolicyLoadError, type Policy } from "../../../runtime/policy/load.js";
import { RateLimits } from "../../../runtime/kernel/rate-limits.js";
import type { Checkpoint } from "../../../runtime/recorder/check-log.js";
import { checkGrowth, checkProof, parseHead, proveConsistency, proveInclusion, type TrustedHead } from "../../../runtime/recorder/proofs.js";
import type { FlightRecord } from "../../../runtime/recorder/record.js";
import { RecorderError } from "../../../runtime/recorder/recorder-error.js";
import { trustedKey, type TrustedKey } from "../../../runtime/recorder/sign-key.js";
import { parseRecorderKey } from "../../../runtime/recorder/v1/key.js";
import { show, showEntries } from "../../../runtime/recorder/show.js";
import { describeVerdict, readLog, type VerifyOptions, type VerifyResult } from "../../../runtime/recorder/verify.js";
import { EXIT, UsageError, checkFlags, parseArgs, readText, type Io } from "../io.js";

const USAGE = `usage: acpc audit verify <log> [--live] [--trust KEY.pub]... [--consistency HEAD] [--after CHECKPOINT] [--json]
       acpc audit verify --proof PROOF.json (--head HEAD | --trust KEY.pub) [--json]
       acpc audit prove <log> <seq> [--size N] [-o PROOF.json]      an inclusion proof of record #seq
       acpc audit prove <log> --from SIZE [--size N] [-o PROOF.json] a consistency proof from the first SIZE records
       acpc audit show <log> [--agent ID] [--seals] [--json]
       acpc audit replay <log> --policy <new.acp|new.wasm> [--manifest M] [--json]
       acpc audit shadow <log> [--json]                          what a shadow policy decided otherwise (run --shadow)
       acpc audit export <log> --format jsonl|otlp-json [-o FILE]  the records verify vouches for, for a log system
HEAD is SIZE:ROOT or a JSON file holding a head (a seal, a proof, or verify --json's output).
acp-flight/1 logs: verify also takes --key-file F (their HMAC seals) and --expect-head HASH.`;

export async function auditVerb(argv: string[], io: Io): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === "verify") return verifyLog(rest, io);
  if (sub === "prove") return proveLog(rest, io);
  if (sub === "show") return showLog(rest, io);
  if (sub === "replay") return replayLog(rest, io);
  if (sub === "shadow") return shadowLog(rest, io);
  if (sub === "export") return exportLog(rest, io);
  throw new UsageError(sub ? `unknown audit command \`${sub}\`\n${USAGE}` : USAGE);
}

const VERIFY_FLAGS = ["--live", "--trust", "--consistency", "--after", "--proof", "--head", "--key-file", "--expect-head", "--json"];

function verifyLog(argv: string[], io: Io): number {
  const args = parseArgs(argv, ["--trust", "--consistency", "--after", "--proof", "--head", "--key-file", "--expect-head"], ["--trust"]);
  checkFlags(args, VERIFY_FLAGS);
  const json = args.flags.has("--json");
  const trust = (args.multi.get("--trust") ?? []).map((f) => readTrustedKey(io, f));
  const proofFile = args.flags.get("--proof");
  if (typeof proofFile === "string") {
    if (args.positional.length > 1) throw new UsageError(USAGE);
    const headArg = args.flags.get("--head");
    const head = typeof headArg === "string" ? readHead(io, headArg) : undefined;
    if (!head && trust.length === 0) throw new UsageError("a proof is checked against a trusted head: give --head HEAD, or --trust KEY.pub to trust the proof's signed head");
    let proof: unknown;
    try { proof = JSON.parse(readText(resolve(io.cwd, proofFile))); } catch (e) { throw e instanceof UsageError ? e : new UsageError(`${proofFile} is not JSON`); }
    const r = checkProof(proof, { ...(head ? { head } : {}), trust });
    io.out(json ? JSON.stringify({ proof: proofFile, ...r }) : `${proofFile}: ${r.ok ? "ok" : "FAILED"}: ${r.message}`);
    return r.ok ? EXIT.ok : EXIT.failed;
  }
  const file = onePath(args.positional);
  const opts: VerifyOptions = { trust, live: args.flags.has("--live") };
  const keyFile = args.flags.get("--key-file");
  if (typeof keyFile === "string") {
    const k = parseRecorderKey(readText(resolve(io.cwd, keyFile)));
    if (!k.ok) throw new UsageError(`${keyFile}: ${k.message}`);
    opts.v1Key = k.key;
  }
  const expect = args.flags.get("--expect-head");
  if (typeof expect === "string") opts.expectHead = expect;
  // A segment of a log whose earlier records were shipped and released (FlightRecorder.release):
  // it continues from the checkpoint `released()` gave.
  const after = args.flags.get("--after");
  if (typeof after === "string") opts.after = readCheckpoint(io, after);
  const { result } = read(io, file, opts);
  const consistency = args.flags.get("--consistency");
  let growth: { ok: boolean; message: string } | undefined;
  if (typeof consistency === "string" && result.ok) growth = grown(io, file, readHead(io, consistency));
  const ok = result.ok && (growth?.ok ?? true);
  if (json) io.out(JSON.stringify({ file, ...result, ok, ...(growth ? { consistency: growth } : {}) }));
  else {
    io.out(`${file}: ${describeVerdict(result)}`);
    if (growth) io.out(`${file}: consistency: ${growth.ok ? "ok" : "FAILED"}: ${growth.message}`);
  }
  return ok ? EXIT.ok : EXIT.failed;
}

function grown(io: Io, file: string, old: TrustedHead): { ok: boolean; message: string } {
  try { return checkGrowth(resolve(io.cwd, file), old); } catch (e) {
    if (e instanceof RecorderError) return { ok: false, message: e.message };
    throw e;
  }
}

function proveLog(argv: string[], io: Io): number {
  const args = parseArgs(argv, ["--size", "--from", "-o"]);
  checkFlags(args, ["--size", "--from", "-o", "--json"]);
  const [file, seqText, ...more] = args.positional;
  const from = args.flags.get("--from");
  if (!file || more.length || (typeof from === "string") === (seqText !== undefined)) throw new UsageError(USAGE);
  const size = args.flags.get("--size");
  const n = typeof size === "string" ? count(size, "--size") : undefined;
  const path = resolve(io.cwd, file);
  let proof;
  try {
    proof = typeof from === "string" ? proveConsistency(path, count(from, "--from"), n) : proveInclusion(path, count(seqText!, "seq"), n);
  } catch (e) {
    if (e instanceof RecorderError) { io.err(`${file}: ${e.message}`); if (args.flags.has("--json")) io.out(JSON.stringify({ ok: false, error: { code: e.code, message: e.message } })); return EXIT.failed; }
    throw e;
  }
  const text = JSON.stringify(proof);
  const out = args.flags.get("-o");
  if (typeof out === "string") {
    writeFile(resolve(io.cwd, out), text + "\n");
    io.out(args.flags.has("--json") ? JSON.stringify({ ok: true, proof: out }) : `${out}: ${proof.kind} proof against the seal of ${"head" in proof ? proof.head.size : proof.second.size} records`);
  } else io.out(text);
  return EXIT.ok;
}

function count(text: string, what: string): number {
  if (!/^\d+$/.test(text)) throw new UsageError(`${what} takes a whole number, not \`${text}\``);
  return Number(text);
}

function writeFile(path: string, text: string): void {
  try { writeFileSync(path, text); } catch (e) { throw new UsageError(`cannot write ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`); }
}

function readTrustedKey(io: Io, file: string): TrustedKey {
  try { return trustedKey(readText(resolve(io.cwd, file))); } catch (e) {
    if (e instanceof RecorderError) throw new UsageError(`${file}: ${e.message}`);
    throw e;
  }
}

function readHead(io: Io, arg: string): TrustedHead {
  const text = /^\d+:[0-9a-f]{64}$/.test(arg) ? arg : readText(resolve(io.cwd, arg));
  try { return parseHead(text); } catch (e) {
    if (e instanceof RecorderError) throw new UsageError(`${arg}: ${e.message}`);
    throw e;
  }
}

function readCheckpoint(io: Io, arg: string): Checkpoint {
  let v: unknown;
  try { v = JSON.parse(existsSync(resolve(io.cwd, arg)) ? readText(resolve(io.cwd, arg)) : arg); } catch { throw new UsageError(`--after takes a checkpoint (JSON: size, hash, frontier), as FlightRecorder.released() gives it, not \`${arg}\``); }
  const c = v as Checkpoint;
  if (!(typeof c === "object" && c !== null && Number.isInteger(c.size) && typeof c.hash === "string" && Array.isArray(c.frontier))) throw new UsageError("--after takes a checkpoint: { size, hash, frontier }");
  return c;
}

function showLog(argv: string[], io: Io): number {
  const args = parseArgs(argv, ["--agent"]);
  checkFlags(args, ["--agent", "--seals", "--json"]);
  const file = onePath(args.positional);
  const agent = args.flags.get("--agent");
  const opts = { ...(typeof agent === "string" ? { agent } : {}), seals: args.flags.has("--seals") };
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
  const skipped = r.notReplayable.length ? `, ${r.notReplayable.length} not replayable (args or target over the size cap: ${r.notReplayable.map((s) => `#${s}`).join(", ")})` : "";
  printChanges(io, args.flags.has("--json"), { file, policy: policy.manifest.policy, verified: result.ok, replayed: r.replayed, notReplayable: r.notReplayable },
    r.changed, `${r.replayed} syscall(s) replayed under policy ${policy.manifest.policy}: ${r.changed.length} would change${skipped}`);
  return warnUnlessOk(io, file, result);
}

/** `audit shadow`: the disagreements a shadow policy recorded (`acpc run --shadow`,
 * `Kernel.create({ shadow })`), in replay's format: it is a replay made while the agents ran. */
function shadowLog(argv: string[], io: Io): number {
  const args = parseArgs(argv, []);
  checkFlags(args, ["--json"]);
  const file = onePath(args.positional);
  const { result, records } = read(io, file);
  const changed: Change[] = [];
  let decided = 0;
  for (const r of records) {
    if (r.kind !== "syscall") continue;
    decided++;
    if (r.shadow === undefined) continue;
    changed.push({ seq: r.seq, agent: `${r.agent.name}(${r.agent.id})`, syscall: r.syscall, target: r.target, from: { effect: r.effect, rule: r.rule }, to: { effect: r.shadow.effect, rule: r.shadow.rule } });
  }
  printChanges(io, args.flags.has("--json"), { file, verified: result.ok, decided }, changed, `${decided} syscall(s) decided: the shadow policy decided ${changed.length} otherwise`);
  return warnUnlessOk(io, file, result);
}

/**
 * `audit export`: the records the log vouches for (those before the first bad one, if any; exit 1
 * then), as JSON lines or as OTLP/JSON logs (one LogRecord a record: its time, its kind as the
 * event name, its main fields as attributes, the record itself as the body), for log systems.
 */
function exportLog(argv: string[], io: Io): number {
  const args = parseArgs(argv, ["--format", "-o"]);
  checkFlags(args, ["--format", "-o", "--json"]);
  const file = onePath(args.positional);
  const format = args.flags.get("--format");
  if (format !== "jsonl" && format !== "otlp-json") throw new UsageError("export needs --format jsonl or --format otlp-json");
  const { result, records } = read(io, file, { live: true });
  const text = format === "jsonl" ? records.map((r) => JSON.stringify(r) + "\n").join("") : JSON.stringify(otlpLogs(records)) + "\n";
  const out = args.flags.get("-o");
  if (typeof out === "string") {
    try { writeFileSync(resolve(io.cwd, out), text); } catch (e) { throw new UsageError(`cannot write ${out}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`); }
    io.err(`${file}: ${records.length} record(s) exported as ${format} to ${out}`);
  } else io.out(text.replace(/\n$/, ""));
  return warnUnlessOk(io, file, result);
}

type OtlpValue = { stringValue: string } | { intValue: string } | { boolValue: boolean };
function otlpLogs(records: readonly FlightRecord[]): unknown {
  const attr = (key: string, v: unknown): { key: string; value: OtlpValue } | null =>
    v === undefined || v === null ? null : { key, value: typeof v === "number" ? { intValue: String(v) } : typeof v === "boolean" ? { boolValue: v } : { stringValue: String(v) } };
  const logRecords = records.map((r) => {
    const x = r as unknown as Record<string, unknown> & { agent?: { id: string; name: string; tenant: string } };
    const attributes = [
      attr("acp.kind", r.kind), attr("acp.seq", r.seq), attr("acp.syscall", x.syscall), attr("acp.target", x.target), attr("acp.effect", x.effect),
      attr("acp.rule", x.rule), attr("acp.errno", x.errno), attr("acp.ok", x.ok), attr("acp.agent.id", x.agent?.id), attr("acp.agent.name", x.agent?.name), attr("acp.tenant", x.agent?.tenant),
    ].filter((a) => a !== null);
    const denied = x.effect === "deny" || x.effect === "kill";
    return {
      timeUnixNano: `${BigInt(Math.round(r.ts)) * 1_000_000n}`, eventName: `acp.${r.kind}`,
      severityNumber: denied ? 13 : 9, severityText: denied ? "WARN" : "INFO",
      body: { stringValue: JSON.stringify(r) }, attributes,
    };
  });
  return { resourceLogs: [{ resource: { attributes: [{ key: "service.name", value: { stringValue: "agent-control-plane" } }] }, scopeLogs: [{ scope: { name: "acp.flight-recorder" }, logRecords }] }] };
}

/** The one format of replay and shadow: each change, then how often each kind of change happened. */
function printChanges(io: Io, json: boolean, head: Record<string, unknown>, changed: Change[], summary: string): void {
  const byRule = new Map<string, { syscall: string; from: Change["from"]; to: Change["to"]; count: number; first: number }>();
  for (const c of changed) {
    const key = JSON.stringify([c.syscall, c.from, c.to]);
    const k = byRule.get(key);
    if (k) k.count++; else byRule.set(key, { syscall: c.syscall, from: c.from, to: c.to, count: 1, first: c.seq });
  }
  const kinds = [...byRule.values()].sort((a, b) => b.count - a.count || a.first - b.first);
  if (json) { io.out(JSON.stringify({ ...head, changed, byRule: kinds })); return; }
  const d = (x: Change["from"]) => `${x.effect} rule=${x.rule ?? "-"}`;
  for (const c of changed) io.out(`#${c.seq}  ${c.agent}  ${c.syscall} ${c.target}  ${d(c.from)} -> ${d(c.to)}`);
  for (const k of kinds) io.out(`${String(k.count).padStart(6)} × ${k.syscall}  ${d(k.from)} -> ${d(k.to)}  (first #${k.first})`);
  io.out(summary);
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
    // What the record holds only as a digest (args or a target over the cap) cannot be decided again.
    if (r.argsDigest !== undefined || r.targetDigest !== undefined) { notReplayable.push(r.seq); continue; }
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
