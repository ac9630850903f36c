// `acpc compile [--component] <file|dir>... -o <dir>` and `acpc check <file|dir>...`.
import { mkdirSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { compile } from "../../compile.js";
import { componentFromCore } from "../../component.js";
import { hasErrors, renderDiagnostic, type Diagnostic } from "../../../grammar/diagnostics.js";
import { EXIT, UsageError, checkFlags, parseArgs, policyFiles, readText, type Io } from "../io.js";

const jsonSpan = (s: Diagnostic["span"]) => ({ file: s.file, line: s.line, col: s.col, endLine: s.endLine, endCol: s.endCol });
const jsonDiag = (d: Diagnostic) => ({
  code: d.code, severity: d.severity, message: d.message, ...jsonSpan(d.span), notes: d.notes ?? [],
  related: (d.related ?? []).map((r) => ({ message: r.message, ...jsonSpan(r.span) })),
});

function report(io: Io, ds: Diagnostic[], source: string): void {
  for (const d of ds) io.err(renderDiagnostic(d, source, { color: io.color }) + "\n");
}

export async function compileVerb(argv: string[], io: Io): Promise<number> {
  const args = parseArgs(argv, ["-o", "--out"]);
  checkFlags(args, ["-o", "--out", "--json", "--no-optimize", "--component"]);
  const component = args.flags.has("--component");
  const outDir = (args.flags.get("-o") ?? args.flags.get("--out")) as string | undefined;
  if (!outDir) throw new UsageError("compile needs an output directory: acpc compile <file|dir> -o <dir>");
  if (args.positional.length === 0) throw new UsageError("compile needs at least one .acp file or directory");
  const files = policyFiles(io.cwd, args.positional);
  const json = args.flags.has("--json");
  const results: unknown[] = [];
  const written = new Map<string, string>();
  let failed = false;
  const outAbs = resolve(io.cwd, outDir);
  for (const f of files) {
    const source = readText(f);
    const rel = relative(io.cwd, f) || f;
    const r = compile(source, { filename: rel, optimize: !args.flags.has("--no-optimize"), component });
    if (!json) report(io, r.diagnostics, source);
    if (!r.wasm || !r.manifest) {
      failed = true;
      results.push({ file: rel, ok: false, diagnostics: r.diagnostics.map(jsonDiag) });
      continue;
    }
    const name = r.manifest.policy;
    const clash = written.get(name);
    if (clash) {
      failed = true;
      const message = `policy \`${name}\` is also defined in ${clash}; module names must be unique in one output directory`;
      if (!json) io.err(`${rel}: error: ${message}`);
      results.push({ file: rel, ok: false, diagnostics: [{ code: "E0201", severity: "error", message, file: rel }] });
      continue;
    }
    written.set(name, rel);
    mkdirSync(outAbs, { recursive: true });
    const wasmPath = join(outAbs, `${name}.wasm`);
    const manifestPath = join(outAbs, `${name}.manifest.json`);
    writeFileSync(wasmPath, r.wasm);
    writeFileSync(manifestPath, JSON.stringify(r.manifest, null, 2) + "\n");
    const imports = WebAssembly.Module.imports(new WebAssembly.Module(r.wasm));
    let componentPath: string | undefined;
    if (component && r.componentCore) {
      componentPath = join(outAbs, `${name}.component.wasm`);
      writeFileSync(componentPath, await componentFromCore(r.componentCore));
    }
    results.push({
      file: rel, ok: true, policy: name, wasm: relative(io.cwd, wasmPath), manifest: relative(io.cwd, manifestPath), bytes: r.wasm.length, imports, costBound: r.manifest.costBound.steps,
      ...(componentPath ? { component: relative(io.cwd, componentPath) } : {}), diagnostics: r.diagnostics.map(jsonDiag),
    });
    if (!json) io.out(`${rel} → ${relative(io.cwd, wasmPath)} (${r.wasm.length} bytes, ${r.manifest.rules.length} rules, ${imports.length} imports, cost bound ${r.manifest.costBound.steps} steps)${componentPath ? `, ${relative(io.cwd, componentPath)} (world acp:policy/decider@0.1.0)` : ""}`);
  }
  if (json) io.out(JSON.stringify({ ok: !failed, results }));
  return failed ? EXIT.failed : EXIT.ok;
}

export function checkVerb(argv: string[], io: Io): number {
  const args = parseArgs(argv, []);
  checkFlags(args, ["--json"]);
  if (args.positional.length === 0) throw new UsageError("check needs at least one .acp file or directory");
  const json = args.flags.has("--json");
  const files = policyFiles(io.cwd, args.positional);
  const results: unknown[] = [];
  let failed = false;
  for (const f of files) {
    const source = readText(f);
    const rel = relative(io.cwd, f) || f;
    // Everything but writing: parse, types, analyses and `assert never` verification.
    const { diagnostics } = compile(source, { filename: rel, optimize: false });
    if (hasErrors(diagnostics)) failed = true;
    if (json) results.push({ file: rel, ok: !hasErrors(diagnostics), diagnostics: diagnostics.map(jsonDiag) });
    else report(io, diagnostics, source);
  }
  if (json) io.out(JSON.stringify({ ok: !failed, results }));
  else io.out(failed ? `${files.length} file(s) checked: errors found` : `${files.length} file(s) checked: ok`);
  return failed ? EXIT.failed : EXIT.ok;
}

export { jsonDiag, report };
