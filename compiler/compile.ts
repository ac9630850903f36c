// The compiler driver: source → diagnostics, and when there are no errors, a verified WASM
// decision module with its manifest. Nothing is returned half-compiled.
import { parse } from "../grammar/index.js";
import type { Manifest } from "../stdlib/abi/types.js";
import { costBound } from "./analyses/cost.js";
import { shadowing } from "./analyses/shadowing.js";
import { verifyAsserts } from "./analyses/asserts.js";
import { check } from "./check/index.js";
import { emitModule, CodegenError } from "./codegen/emit.js";
import { compareDiagnostics, diag, hasErrors, type Diagnostic } from "../grammar/diagnostics.js";
import type { CheckedPolicy } from "./ir.js";
import { buildManifest } from "./manifest.js";
import { plan } from "./planner.js";

export interface CompileOptions {
  filename?: string;
  /** Run binaryen's optimizer (default true). */
  optimize?: boolean;
  /** Check `assert never` declarations (default true). */
  verify?: boolean;
  /** Planner limit on one combined glob automaton; past it each glob is matched on its own. */
  maxCombinedStates?: number;
  /** Also emit `componentCore`: the core module of the policy's component (compiler/component.ts). */
  component?: boolean;
}

export interface CompileResult {
  wasm: Uint8Array | null;
  manifest: Manifest | null;
  diagnostics: Diagnostic[];
  /** The checked policy, for the interpreter and tools; null when it did not check. */
  checked: CheckedPolicy | null;
  /** With `component`: the decision module with the JSON adapter of wit/policy.wit, for componentFromCore. */
  componentCore?: Uint8Array;
}

/** Parses and checks only: what `acpc check` and the interpreter need. */
export function checkSource(source: string, filename = "<input>"): { checked: CheckedPolicy | null; diagnostics: Diagnostic[] } {
  const parsed = parse(source, filename);
  if (!parsed.policy) return { checked: null, diagnostics: parsed.diagnostics.sort(compareDiagnostics) };
  const { checked, diagnostics } = check(parsed.policy, source, filename);
  const all = [...parsed.diagnostics, ...diagnostics];
  if (checked) all.push(...shadowing(checked));
  return { checked, diagnostics: all.sort(compareDiagnostics) };
}

export function compile(source: string, opts: CompileOptions = {}): CompileResult {
  const file = opts.filename ?? "<input>";
  const { checked, diagnostics } = checkSource(source, file);
  const fail = (ds: Diagnostic[]): CompileResult => ({ wasm: null, manifest: null, diagnostics: ds.sort(compareDiagnostics), checked });
  if (!checked || hasErrors(diagnostics)) return fail(diagnostics);
  if (opts.verify ?? true) diagnostics.push(...verifyAsserts(checked));
  if (hasErrors(diagnostics)) return fail(diagnostics);

  const p = plan(checked, { maxCombinedStates: opts.maxCombinedStates });
  let emitted;
  try {
    emitted = emitModule(checked, p, { optimize: opts.optimize ?? true });
  } catch (e) {
    if (e instanceof CodegenError) return fail([...diagnostics, diag(e.code, e.message, checked.rules[0]?.span ?? wholeFile(file, source))]);
    throw e;
  }
  // The compiler refuses its own output unless it is a self-contained module: no import at all.
  const mod = new WebAssembly.Module(emitted.wasm);
  const imports = WebAssembly.Module.imports(mod);
  if (imports.length) return fail([...diagnostics, diag("E0901", `internal error: the module imports ${imports.map((i) => `${i.module}.${i.name}`).join(", ")}`, wholeFile(file, source))]);
  const manifest = buildManifest(checked, emitted.wasm, emitted.abi, costBound(checked, p));
  const result: CompileResult = { wasm: emitted.wasm, manifest, diagnostics: diagnostics.sort(compareDiagnostics), checked };
  if (opts.component) result.componentCore = emitModule(checked, p, { optimize: opts.optimize ?? true, component: true }).wasm;
  return result;
}

function wholeFile(file: string, source: string) {
  const lines = source.split("\n");
  return { file, line: 1, col: 1, endLine: lines.length, endCol: (lines.at(-1)?.length ?? 0) + 1, offset: 0, endOffset: source.length };
}
