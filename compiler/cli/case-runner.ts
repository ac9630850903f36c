// Runs conformance case files (the normative format of DESIGN.md) against both the reference
// interpreter and the compiled WASM module. Used by `acpc test` and by the conformance test.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { compile } from "../compile.js";
import { renderDiagnostic } from "../../grammar/diagnostics.js";
import { interpret } from "../interpret.js";
import { loadPolicy } from "../../runtime/policy/load.js";
import type { Decision } from "../../stdlib/abi/types.js";
import { z } from "zod";

// Strict: a misspelled key (`"rules"`, `"adit"`) would otherwise check nothing and pass.
const caseSchema = z.strictObject({
  name: z.string(),
  request: z.unknown(),
  expect: z.strictObject({
    effect: z.enum(["allow", "deny", "kill", "stop"]),
    rule: z.string().nullable().optional(),
    audit: z.array(z.string()).optional(),
  }),
});
export const caseFileSchema = z.object({
  name: z.string(),
  policy: z.string().optional(),
  /** Extension: a path to the policy, relative to the case file, instead of inline source. */
  policyFile: z.string().optional(),
  cases: z.array(caseSchema),
  compileError: z.string().nullable().optional(),
}).refine((f) => (f.policy === undefined) !== (f.policyFile === undefined), { message: "give exactly one of `policy` and `policyFile`" })
  .refine((f) => typeof f.compileError !== "string" || f.cases.length === 0, { message: "`cases` must be empty when `compileError` is set (the policy does not compile, so they would never run)" });

export type CaseFile = z.infer<typeof caseFileSchema>;

export interface CaseResult {
  file: string;
  name: string;
  ok: boolean;
  /** What went wrong, for a person: expected vs got, per engine. */
  message?: string;
}

export function findCaseFiles(paths: string[]): string[] {
  const out: string[] = [];
  const visit = (p: string) => {
    const st = statSync(p);
    if (st.isDirectory()) { for (const e of readdirSync(p).sort()) visit(join(p, e)); return; }
    if (p.endsWith(".json") && !p.endsWith(".manifest.json")) out.push(p);
  };
  for (const p of paths) visit(resolve(p));
  return out;
}

export interface RunOptions { engines?: ("interpreter" | "wasm")[] }

export async function runCaseFile(path: string, opts: RunOptions = {}): Promise<CaseResult[]> {
  const engines = opts.engines ?? ["interpreter", "wasm"];
  let file: CaseFile;
  try {
    const parsed = caseFileSchema.safeParse(JSON.parse(readFileSync(path, "utf8")));
    if (!parsed.success) return [{ file: path, name: "(case file)", ok: false, message: `not a case file: ${parsed.error.issues[0]!.path.join(".")} ${parsed.error.issues[0]!.message}` }];
    file = parsed.data;
  } catch (e) {
    return [{ file: path, name: "(case file)", ok: false, message: `unreadable: ${(e as Error).message}` }];
  }
  const policyPath = file.policyFile ? join(dirname(path), file.policyFile) : path;
  let source: string;
  try {
    // Strict, as `acpc compile` reads it: invalid bytes must not become U+FFFD in a glob or string.
    source = file.policyFile ? new TextDecoder("utf-8", { fatal: true }).decode(readFileSync(policyPath)) : file.policy!;
  } catch (e) {
    return [{ file: path, name: file.name, ok: false, message: `unreadable policyFile ${JSON.stringify(file.policyFile)}: ${(e as Error).message}` }];
  }
  const result = compile(source, { filename: file.policyFile ? policyPath : `${path}#policy` });
  const rendered = result.diagnostics.map((d) => renderDiagnostic(d, source)).join("\n");

  if (file.compileError !== null && file.compileError !== undefined) {
    // Matched against each error diagnostic itself (line:col, code, message, notes), not the rendered
    // text: that holds the case file's path and a source line, which can contain the expected code
    // whatever the compiler said.
    const said = result.diagnostics.filter((d) => d.severity === "error")
      .map((d) => [`${d.span.line}:${d.span.col}: error[${d.code}]: ${d.message}`, ...(d.notes ?? [])].join("\n"));
    const ok = !result.wasm && said.some((t) => t.includes(file.compileError!));
    return [{ file: path, name: file.name, ok, message: ok ? undefined : result.wasm ? `compiled, but expected a compile error containing ${JSON.stringify(file.compileError)}` : `expected ${JSON.stringify(file.compileError)} in:\n${rendered}` }];
  }
  if (!result.wasm || !result.manifest || !result.checked) {
    return [{ file: path, name: file.name, ok: false, message: `policy does not compile:\n${rendered}` }];
  }
  const policy = await loadPolicy(result.wasm, result.manifest);
  const checked = result.checked;
  return file.cases.map((c) => {
    const got: [string, Decision][] = [];
    for (const e of engines) got.push([e, e === "interpreter" ? interpret(checked, c.request) : policy.decide(c.request)]);
    const problems = got.flatMap(([engine, d]) => mismatch(c.expect, d).map((m) => `${engine}: ${m}`));
    return { file: path, name: `${file.name} / ${c.name}`, ok: problems.length === 0, message: problems.length ? problems.join("; ") : undefined };
  });
}

function mismatch(expect: z.infer<typeof caseSchema>["expect"], got: Decision): string[] {
  const out: string[] = [];
  if (got.effect !== expect.effect) out.push(`effect ${got.effect}, expected ${expect.effect}`);
  if (expect.rule !== undefined && got.rule !== expect.rule) out.push(`rule ${JSON.stringify(got.rule)}, expected ${JSON.stringify(expect.rule)}`);
  if (expect.audit !== undefined && JSON.stringify(got.audit) !== JSON.stringify(expect.audit)) out.push(`audit ${JSON.stringify(got.audit)}, expected ${JSON.stringify(expect.audit)}`);
  return out;
}

/** Cases a file holds: each entry of `cases`, and one for a compile-error file. */
export function countCases(path: string): number {
  const f = JSON.parse(readFileSync(path, "utf8")) as { cases?: unknown[]; compileError?: string | null };
  return typeof f.compileError === "string" ? 1 : (f.cases?.length ?? 0);
}
