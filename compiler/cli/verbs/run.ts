// `acpc run agent.js --policy p.acp|p.wasm|p.bundle [--trust key.pub]… [--shadow new.acp|new.bundle] [--input JSON] [--mount /mem/semantic=./dir[:ro]]…
//  [--record flight.log] [--sign-key key.pem] [--tools tools.js] [--review approve|reject] [--json]`
// Exit codes (DESIGN.md): 0 returned, 1 threw or crashed, 137 killed, 2 usage or compile errors.
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { compile } from "../../compile.js";
import { renderDiagnostic } from "../../../grammar/diagnostics.js";
import { jsonDiag } from "./compile.js";
import { loadPolicy, PolicyLoadError, type Policy } from "../../../runtime/policy/load.js";
import { Kernel } from "../../../runtime/kernel/create.js";
import { RecorderError } from "../../../runtime/recorder/recorder-error.js";
import { VfsError } from "../../../runtime/vfs/errors.js";
import type { MountSpec } from "../../../runtime/kernel/create.js";
import type { ToolSpec } from "../../../runtime/kernel/types.js";
import { EXIT, UsageError, checkFlags, parseArgs, readText, type Io } from "../io.js";

const VALUED = ["--policy", "--input", "--mount", "--record", "--sign-key", "--tools", "--review", "--name", "--role", "--tenant", "--manifest", "--trust", "--shadow"];

export async function runVerb(argv: string[], io: Io): Promise<number> {
  const args = parseArgs(argv, VALUED, ["--mount", "--trust"]);
  checkFlags(args, [...VALUED, "--json"]);
  const [agentFile, ...rest] = args.positional;
  if (!agentFile || rest.length) throw new UsageError("usage: acpc run agent.js --policy p.acp|p.wasm|p.bundle [--trust key.pub]… [--input JSON] [--mount /mem/x=./dir[:ro]] [--record flight.log] [--json]");
  const policyArg = args.flags.get("--policy");
  if (typeof policyArg !== "string") throw new UsageError("run needs --policy p.acp|p.wasm|p.bundle");
  const json = args.flags.has("--json");
  const source = readText(resolve(io.cwd, agentFile));

  let input: unknown = null;
  const inputArg = args.flags.get("--input");
  if (typeof inputArg === "string") {
    const text = inputArg.startsWith("@") ? readText(resolve(io.cwd, inputArg.slice(1))) : inputArg;
    try { input = JSON.parse(text); } catch (e) { throw new UsageError(`--input is not JSON: ${(e as Error).message}`); }
  }
  const review = args.flags.get("--review") ?? "reject";
  if (review !== "approve" && review !== "reject") throw new UsageError("--review is approve or reject");

  const trust = (args.multi.get("--trust") ?? []).map((k) => readText(resolve(io.cwd, k)));
  const policy = await policyFrom(resolve(io.cwd, policyArg), policyArg, args.flags.get("--manifest") as string | undefined, io, json, trust.length ? trust : undefined);
  if (!policy) return EXIT.usage;
  // Shadow mode: a candidate decides beside the policy, without effect; its disagreements go in the log.
  const shadowArg = args.flags.get("--shadow");
  const shadow = typeof shadowArg === "string" ? await policyFrom(resolve(io.cwd, shadowArg), shadowArg, undefined, io, json, trust.length ? trust : undefined) : undefined;
  if (shadow === null) return EXIT.usage;
  const mounts = mountsFrom(args.multi.get("--mount") ?? [], io.cwd);
  const tools = await toolsFrom(args.flags.get("--tools") as string | undefined, io.cwd);
  const record = args.flags.get("--record");
  const signKeyArg = args.flags.get("--sign-key");
  const signKey = typeof signKeyArg === "string" ? readText(resolve(io.cwd, signKeyArg)) : undefined;

  let kernel: Kernel;
  try {
    kernel = await Kernel.create({
      policy, tools, mounts, ...(shadow ? { shadow } : {}),
      recorder: typeof record === "string" ? { path: resolve(io.cwd, record), signKey } : { memory: true, signKey },
      onLog: (a, text) => { if (!json) io.err(`[${a.name}] ${text}`); },
    });
  } catch (e) {
    // A flight log that cannot be opened: nothing ran, and the agent never will (fail closed).
    if (e instanceof RecorderError) return refused(io, json, e.code, e.code === "EKEY" ? `--sign-key ${signKeyArg}: ${e.message}` : `--record ${record}: ${e.message}`);
    // A mount the kernel refuses (not a canonical point, a kernel mount, not a directory) is the operator's usage error.
    if (e instanceof VfsError) return refused(io, json, e.code, `--mount ${e.path}: ${e.code}: ${e.detail}`);
    throw e;
  }
  const agent = await kernel.spawn({
    source, filename: agentFile, input,
    name: (args.flags.get("--name") as string | undefined) ?? "agent",
    role: (args.flags.get("--role") as string | undefined) ?? "",
    tenant: (args.flags.get("--tenant") as string | undefined) ?? "",
  });
  // No operator at a terminal run: a syscall stopped for review is approved or rejected as told.
  const reviewer = setInterval(() => {
    const p = agent.pending();
    if (!p) return;
    if (!json) io.err(`[${agent.name}] ${p.syscall} ${p.target} stopped for review by ${p.rule ?? "the policy"}: ${review === "approve" ? "approved" : "rejected"} (--review)`);
    if (review === "approve") agent.approve(); else agent.reject();
  }, 5);
  const exit = await agent.wait();
  clearInterval(reviewer);
  await kernel.shutdown();
  const summary = { status: exit.status, signal: exit.signal, result: exit.result, violations: exit.violations, syscalls: exit.syscalls };
  if (json) io.out(JSON.stringify(summary));
  else {
    for (const v of exit.violations) io.err(`violation: ${v.syscall} ${v.target} → ${v.effect} (${v.rule ?? "no rule: the policy's default"}), ${v.outcome}`);
    if (exit.violationCount > exit.violations.length) io.err(`… and ${exit.violationCount - exit.violations.length} more violation(s)`);
    if (exit.status === "exited") io.out(JSON.stringify(exit.result));
    else if (exit.status === "killed") io.err(`killed by ${exit.signal}${exit.error ? `: ${exit.error.message}` : ""}`);
    else io.err(`crashed: ${exit.error?.name}: ${exit.error?.message}`);
    if (typeof record === "string") io.err(`flight recorder: ${record}`);
    if (shadow) {
      const n = kernel.shadowCounts().reduce((a, c) => a + c.count, 0);
      io.err(`shadow policy ${shadow.manifest.policy}: decided ${n} syscall(s) otherwise${n && typeof record === "string" ? ` (acpc audit shadow ${record})` : ""}`);
    }
  }
  return exit.status === "exited" ? EXIT.ok : exit.status === "killed" ? 137 : EXIT.failed;
}

/** Nothing ran: the message on stderr, and with --json a last stdout line that says so. */
function refused(io: Io, json: boolean, code: string, message: string): number {
  io.err(`acpc run: ${message}`);
  if (json) io.out(JSON.stringify({ ok: false, error: { code, message } }));
  return EXIT.usage;
}

async function policyFrom(path: string, file: string, manifestArg: string | undefined, io: Io, json: boolean, trustedKeys: string[] | undefined): Promise<Policy | null> {
  try {
    if (path.endsWith(".bundle")) {
      let bytes: Uint8Array;
      try { bytes = new Uint8Array(readFileSync(path)); } catch { throw new UsageError(`cannot read ${file}`); }
      return await loadPolicy(bytes, undefined, { trustedKeys });
    }
    if (path.endsWith(".wasm")) {
      const mPath = manifestArg ? resolve(io.cwd, manifestArg) : path.replace(/\.wasm$/, ".manifest.json");
      if (!existsSync(mPath)) throw new UsageError(`no manifest beside the module (looked for ${mPath}); pass --manifest`);
      return await loadPolicy(new Uint8Array(readFileSync(path)), readText(mPath), { trustedKeys });
    }
    const source = readText(path);
    const r = compile(source, { filename: path });
    for (const d of r.diagnostics) if (d.severity === "error") io.err(renderDiagnostic(d, source, { color: io.color }) + "\n");
    if (!r.wasm || !r.manifest) {
      // --json: the diagnostics as `acpc compile --json` and `acpc eval --json` give them.
      if (json) io.out(JSON.stringify({ ok: false, file, diagnostics: r.diagnostics.map(jsonDiag) }));
      return null;
    }
    return await loadPolicy(r.wasm, r.manifest, { trustedKeys });
  } catch (e) {
    if (e instanceof PolicyLoadError) {
      io.err(`${path}: ${e.message}`);
      if (json) io.out(JSON.stringify({ ok: false, file, error: { code: e.code, message: e.message } }));
      return null;
    }
    throw e;
  }
}

/** `--mount /mem/semantic=./dir[:ro]` → a host-directory mount. */
function mountsFrom(specs: string[], cwd: string): Record<string, MountSpec> {
  const out: Record<string, MountSpec> = {};
  for (const s of specs) {
    const eq = s.indexOf("=");
    if (eq <= 0) throw new UsageError(`--mount wants /mount/point=./dir[:ro], got ${s}`);
    let dir = s.slice(eq + 1);
    const readOnly = dir.endsWith(":ro");
    if (readOnly || dir.endsWith(":rw")) dir = dir.slice(0, -3);
    if (!existsSync(resolve(cwd, dir))) throw new UsageError(`--mount: no such directory ${dir}`);
    out[s.slice(0, eq)] = { type: "dir", path: resolve(cwd, dir), readOnly };
  }
  return out;
}

/** `--tools tools.js`: an ES module whose default export maps tool names to `{ run(args, ctx) }`. */
async function toolsFrom(arg: string | undefined, cwd: string): Promise<Record<string, ToolSpec>> {
  if (!arg) return {};
  const path = resolve(cwd, arg);
  if (!existsSync(path)) throw new UsageError(`--tools: no such file ${arg}`);
  // A module that does not load (a syntax error, a throw at its top level, a directory) is the
  // operator's usage error, not an internal error of acpc.
  let mod: { default?: unknown };
  try { mod = (await import(pathToFileURL(path).href)) as { default?: unknown }; } catch (e) { throw new UsageError(`--tools: cannot load ${arg}: ${(e as Error)?.message ?? String(e)}`); }
  const tools = mod.default;
  if (!tools || typeof tools !== "object") throw new UsageError(`--tools: ${arg} must export default { name: { run(args, ctx) } }`);
  for (const [name, t] of Object.entries(tools)) if (typeof (t as ToolSpec)?.run !== "function") throw new UsageError(`--tools: tool ${name} has no run(args, ctx)`);
  return tools as Record<string, ToolSpec>;
}
