// `acpc test <dirs|files>`: runs conformance case files on both engines; last line `N passed, N failed`.
import { relative, resolve } from "node:path";
import { existsSync } from "node:fs";
import { findCaseFiles, runCaseFile, type CaseResult } from "../case-runner.js";
import { EXIT, UsageError, checkFlags, parseArgs, type Io } from "../io.js";

export async function testVerb(argv: string[], io: Io): Promise<number> {
  const args = parseArgs(argv, ["--engine"]);
  checkFlags(args, ["--json", "--engine"]);
  if (args.positional.length === 0) throw new UsageError("test needs case files or directories");
  for (const p of args.positional) if (!existsSync(resolve(io.cwd, p))) throw new UsageError(`no such file or directory: ${p}`);
  const engine = args.flags.get("--engine");
  if (engine !== undefined && engine !== "wasm" && engine !== "interpreter") throw new UsageError("--engine is wasm or interpreter");
  const engines = engine ? [engine as "wasm" | "interpreter"] : undefined;
  const results: CaseResult[] = [];
  for (const f of findCaseFiles(args.positional.map((p) => resolve(io.cwd, p)))) results.push(...(await runCaseFile(f, { engines })));
  const failed = results.filter((r) => !r.ok);
  if (args.flags.has("--json")) {
    io.out(JSON.stringify({ passed: results.length - failed.length, failed: failed.length, failures: failed.map((r) => ({ ...r, file: relative(io.cwd, r.file) })) }));
  } else {
    for (const r of failed) io.out(`FAIL ${relative(io.cwd, r.file)}: ${r.name}\n  ${r.message}`);
  }
  io.out(`${results.length - failed.length} passed, ${failed.length} failed`);
  return failed.length ? EXIT.failed : EXIT.ok;
}
