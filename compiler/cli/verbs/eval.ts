// `acpc eval <policy.acp|module.wasm> --request <json|@file>`: one decision, printed as JSON.
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { compile } from "../../compile.js";
import { jsonDiag } from "./compile.js";
import { renderDiagnostic } from "../../../grammar/diagnostics.js";
import { interpret } from "../../interpret.js";
import { loadPolicy, PolicyLoadError } from "../../../runtime/policy/load.js";
import { EXIT, UsageError, checkFlags, parseArgs, readText, type Io } from "../io.js";

export async function evalVerb(argv: string[], io: Io): Promise<number> {
  const args = parseArgs(argv, ["--request", "--manifest", "--engine"]);
  checkFlags(args, ["--request", "--manifest", "--engine", "--json"]);
  const [file, ...rest] = args.positional;
  if (!file || rest.length) throw new UsageError("usage: acpc eval <policy.acp|module.wasm> --request <json|@file>");
  const reqArg = args.flags.get("--request");
  if (typeof reqArg !== "string") throw new UsageError("eval needs --request <json|@file>");
  const reqText = reqArg.startsWith("@") ? readText(resolve(io.cwd, reqArg.slice(1))) : reqArg;
  let request: unknown;
  try { request = JSON.parse(reqText); } catch (e) { throw new UsageError(`--request is not JSON: ${(e as Error).message}`); }
  const engine = (args.flags.get("--engine") ?? "wasm") as string;
  const json = args.flags.has("--json");
  if (engine !== "wasm" && engine !== "interpreter") throw new UsageError("--engine is wasm or interpreter");
  const path = resolve(io.cwd, file);

  if (path.endsWith(".wasm")) {
    if (engine === "interpreter") throw new UsageError("the interpreter needs the policy source, not a module");
    const mPath = (args.flags.get("--manifest") as string | undefined) ?? path.replace(/\.wasm$/, ".manifest.json");
    if (!existsSync(mPath)) throw new UsageError(`no manifest beside the module (looked for ${mPath}); pass --manifest`);
    try {
      const policy = await loadPolicy(new Uint8Array(readFileSync(path)), readText(mPath));
      io.out(JSON.stringify(policy.decide(request)));
      return EXIT.ok;
    } catch (e) {
      if (e instanceof PolicyLoadError) {
        if (json) io.out(JSON.stringify({ ok: false, file, error: { code: e.code, message: e.message } }));
        else io.err(`${file}: ${e.message}`);
        return EXIT.failed;
      }
      throw e;
    }
  }
  const source = readText(path);
  const r = compile(source, { filename: file });
  if (!r.wasm || !r.manifest || !r.checked) {
    // --json: the diagnostics as `acpc compile --json` gives them, on stdout.
    if (json) io.out(JSON.stringify({ ok: false, file, diagnostics: r.diagnostics.map(jsonDiag) }));
    else for (const d of r.diagnostics) if (d.severity === "error") io.err(renderDiagnostic(d, source, { color: io.color }) + "\n");
    return EXIT.usage;
  }
  const decision = engine === "interpreter" ? interpret(r.checked, request) : (await loadPolicy(r.wasm, r.manifest)).decide(request);
  io.out(JSON.stringify(decision));
  return EXIT.ok;
}
