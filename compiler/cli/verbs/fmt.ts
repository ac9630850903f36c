// `acpc fmt [--check] <file|dir>...`: rewrites policies in the canonical layout.
import { writeFileSync } from "node:fs";
import { relative } from "node:path";
import { format } from "../../fmt.js";
import { renderDiagnostic } from "../../../grammar/diagnostics.js";
import { EXIT, UsageError, checkFlags, parseArgs, policyFiles, readText, type Io } from "../io.js";
import { jsonDiag } from "./compile.js";

export function fmtVerb(argv: string[], io: Io): number {
  const args = parseArgs(argv, []);
  checkFlags(args, ["--check", "--json"]);
  if (args.positional.length === 0) throw new UsageError("fmt needs at least one .acp file or directory");
  const check = args.flags.has("--check"), json = args.flags.has("--json");
  const results: { file: string; changed: boolean; error?: unknown }[] = [];
  let failed = false;
  for (const f of policyFiles(io.cwd, args.positional)) {
    const rel = relative(io.cwd, f) || f;
    const source = readText(f);
    const r = format(source, rel);
    if (r.output === null) {
      failed = true;
      results.push({ file: rel, changed: false, error: r.diagnostics.map(jsonDiag) });
      if (!json) for (const d of r.diagnostics) io.err(renderDiagnostic(d, source, { color: io.color }) + "\n");
      continue;
    }
    const changed = r.output !== source;
    results.push({ file: rel, changed });
    if (!changed) continue;
    if (check) { failed = true; if (!json) io.out(`would reformat ${rel}`); }
    else { writeFileSync(f, r.output); if (!json) io.out(`formatted ${rel}`); }
  }
  if (json) io.out(JSON.stringify({ ok: !failed, results }));
  return failed ? EXIT.failed : EXIT.ok;
}
