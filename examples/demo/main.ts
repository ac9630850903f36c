// `npm start`: the demo on the embedded defaults, no setup. Four scenes under one policy, then the
// flight recorder's summary and its verification.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { compile } from "../../compiler/compile.js";
import { renderDiagnostic } from "../../grammar/diagnostics.js";
import { loadPolicy } from "../../runtime/policy/load.js";
import { Kernel } from "../../runtime/kernel/create.js";
import { readLog, describeVerdict } from "../../runtime/recorder/verify.js";
import type { AgentExit } from "../../runtime/kernel/types.js";

// Runs from dist/examples/demo (npm start) or from the source tree (tests): find examples/demo.
const here = dirname(fileURLToPath(import.meta.url));
const dir = [here, resolve(here, "../../../examples/demo")].find((d) => { try { readFileSync(join(d, "demo.acp")); return true; } catch { return false; } })!;
const read = (f: string) => readFileSync(join(dir, f), "utf8");
const say = (s = "") => process.stdout.write(s + "\n");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface DemoOptions {
  /** The flight log to write (default: a new temporary file). */
  log?: string;
  /** Serve the operator's control socket here, for `acpc ctl` while the demo runs. */
  control?: string;
  /** "operator": the stopped transfer waits for `acpc ctl approve|reject`; "auto" (default): the demo approves it. */
  review?: "auto" | "operator";
}

export async function demo(o: DemoOptions = {}): Promise<{ ok: boolean; exits: Record<string, AgentExit> }> {
  const log = o.log ?? join(mkdtempSync(join(tmpdir(), "acp-demo-")), "flight.log");
  const source = read("demo.acp");
  const compiled = compile(source, { filename: "demo.acp" });
  if (!compiled.wasm || !compiled.manifest) {
    for (const d of compiled.diagnostics) say(renderDiagnostic(d, source));
    return { ok: false, exits: {} };
  }
  say(`policy ${compiled.manifest.policy} ${compiled.manifest.version}: ${compiled.manifest.rules.length} rules → ${compiled.wasm.length}-byte WASM module, ${WebAssembly.Module.imports(new WebAssembly.Module(compiled.wasm)).length} imports, cost bound ${compiled.manifest.costBound.steps} steps`);
  let tx = 0;
  const kernel = await Kernel.create({
    policy: await loadPolicy(compiled.wasm, compiled.manifest), policySource: source,
    tools: { transfer: { run: async (a: { amount: number; to: string }) => ({ id: `tx-${++tx}`, amount: a.amount, to: a.to }) } },
    recorder: { path: log },
    onLog: (a, t) => say(`  [${a.name}] ${t}`),
  });
  const control = o.control ? await kernel.serveControl(o.control) : null;
  if (control) say(`operator control socket: ${control.path} (try: npx acpc ctl list --socket ${control.path})`);
  await kernel.vfs.write("/mem/semantic/customers.csv", "id,name,iban\n1,Ada,DE00 1234\n2,Grace,FR00 5678\n");
  const exits: Record<string, AgentExit> = {};

  say("\n1. payments: three small transfers, then a large one that waits for an operator");
  const payer = await kernel.spawn({ name: "payments", role: "clerk", source: read("payments.js"), input: { amounts: [120, 450, 900, 5000] } });
  while (!payer.pending() && !payer.exit) await sleep(5);
  const p = payer.pending();
  if (p) {
    say(`  stopped for review: ${p.syscall} ${p.target} ${JSON.stringify(p.args)} (rule ${p.rule}); agent state: ${payer.state}`);
    if (o.review === "operator" && control) {
      say(`  waiting for an operator: npx acpc ctl approve ${payer.id} --socket ${control.path}  (or reject)`);
      while (payer.pending() && !payer.exit) await sleep(20);
      say(`  the operator decided; agent state: ${payer.state}`);
    } else {
      say("  operator approves");
      payer.approve();
    }
  }
  exits.payments = await payer.wait();
  say(`  → ${exits.payments.status}: ${JSON.stringify(exits.payments.result)}`);

  say("\n2. rogue: copies /mem/semantic to a host the policy never named");
  exits.rogue = await kernel.run({ name: "rogue", source: read("rogue.js") });
  const v = exits.rogue.violations[0];
  say(`  → ${exits.rogue.status} by ${exits.rogue.signal}: ${v?.syscall} ${v?.target} matched rule ${v?.rule}`);

  say("\n3. researcher → writer over a pipe of capacity 2: the fast producer is held back");
  const [researcher, writer] = await kernel.pipeline(
    { name: "researcher", source: read("researcher.js"), input: { count: 8 } },
    { name: "writer", source: read("writer.js"), input: { count: 8 } },
  );
  let peak = 0;
  const watch = setInterval(() => { for (const { stats } of kernel.core.pipes.list()) peak = Math.max(peak, stats.length); }, 1);
  exits.researcher = await researcher!.wait();
  exits.writer = await writer!.wait();
  clearInterval(watch);
  const [pipe] = kernel.core.pipes.list();
  say(`  → researcher ${exits.researcher.status} (${JSON.stringify(exits.researcher.result)}), writer ${exits.writer.status} with ${(exits.writer.result as string[]).length} findings in order`);
  say(`  → the pipe never held more than ${pipe!.stats.highWater} messages (capacity 2; ${pipe!.stats.sent} sent, ${pipe!.stats.received} received)`);

  await control?.close();
  await kernel.shutdown();

  say("\n4. flight recorder");
  const { result, records } = readLog(log);
  const byKind = new Map<string, number>();
  for (const r of records) byKind.set(r.kind, (byKind.get(r.kind) ?? 0) + 1);
  const syscalls = records.filter((r) => r.kind === "syscall") as { effect: string }[];
  const byEffect = new Map<string, number>();
  for (const r of syscalls) byEffect.set(r.effect, (byEffect.get(r.effect) ?? 0) + 1);
  say(`  ${log}: ${records.length} records (${[...byKind].map(([k, n]) => `${n} ${k}`).join(", ")})`);
  say(`  decisions: ${[...byEffect].map(([k, n]) => `${n} ${k}`).join(", ")}`);
  say(`  acpc audit verify: ${describeVerdict(result)}`);
  const ok = result.ok && exits.payments.status === "exited" && exits.rogue.status === "killed" && exits.writer.status === "exited";
  say(ok ? "\ndemo ok" : "\ndemo FAILED");
  return { ok, exits };
}

/** `npm start -- [--control PATH] [--review operator] [--log FILE]` and `acpc demo …`: exit 0 when every scene went as shown. */
export async function demoMain(argv: string[]): Promise<number> {
  const o: DemoOptions = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!, v = argv[i + 1];
    if ((a === "--control" || a === "--log") && v) { o[a === "--control" ? "control" : "log"] = v; i++; }
    else if (a === "--review" && (v === "operator" || v === "auto")) { o.review = v; i++; }
    else { process.stderr.write(`usage: demo [--control PATH] [--review operator|auto] [--log FILE]\n`); return 2; }
  }
  if (o.review === "operator" && !o.control) { process.stderr.write("demo: --review operator needs --control PATH (where the operator connects)\n"); return 2; }
  return (await demo(o)).ok ? 0 : 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  demoMain(process.argv.slice(2)).then((code) => { process.exitCode = code; });
}
