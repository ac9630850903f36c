// A policy named on the command line, loaded for a long-running verb (`serve`, `mcp`): `.acp`
// source, compiled here, a precompiled module beside its manifest, or a bundle (`acpc build`). A failure is a value with the
// diagnostics to print, so a reload can report it and keep the policy it has.
import { existsSync, readFileSync } from "node:fs";
import { compile } from "../compile.js";
import { renderDiagnostic, type Diagnostic } from "../../grammar/diagnostics.js";
import { loadPolicy, PolicyLoadError, type Policy } from "../../runtime/policy/load.js";
import { UsageError, readText } from "./io.js";
import type { Compiled } from "./compile-worker.js";

export type PolicyFile =
  | { ok: true; policy: Policy; digest: string; files: string[] }
  | { ok: false; message: string; diagnostics: Diagnostic[]; files: string[] };

/** The files a policy is read from: what a server watches for a reload. */
export function policyFilesOf(path: string, manifestPath?: string): string[] {
  return path.endsWith(".wasm") ? [path, manifestPath ?? path.replace(/\.wasm$/, ".manifest.json")] : [path];
}

export interface LoadOptions {
  manifest?: string;
  color?: boolean;
  /** Compiles `.acp` source (default: here, on this thread). */
  compile?: (source: string, filename: string) => Compiled | Promise<Compiled>;
  /** Public keys (PEM): only a bundle signed by one of them is loaded (`--trust`). */
  trustedKeys?: string[];
}

export async function loadPolicyFile(path: string, opts: LoadOptions = {}): Promise<PolicyFile> {
  const files = policyFilesOf(path, opts.manifest);
  const trust = { trustedKeys: opts.trustedKeys };
  try {
    if (path.endsWith(".bundle")) {
      if (!existsSync(path)) return { ok: false, message: `${path}: no such file`, diagnostics: [], files };
      const policy = await loadPolicy(new Uint8Array(readFileSync(path)), undefined, trust);
      return { ok: true, policy, digest: policy.manifest.sourceSha256, files };
    }
    if (path.endsWith(".wasm")) {
      const mPath = files[1]!;
      if (!existsSync(mPath)) return { ok: false, message: `no manifest beside the module (looked for ${mPath}); pass --manifest`, diagnostics: [], files };
      const policy = await loadPolicy(new Uint8Array(readFileSync(path)), readText(mPath), trust);
      return { ok: true, policy, digest: policy.manifest.sourceSha256, files };
    }
    const source = readText(path);
    const r = await (opts.compile ?? ((src, filename) => compile(src, { filename })))(source, path);
    if (!r.wasm || !r.manifest) {
      const errors = r.diagnostics.filter((d) => d.severity === "error");
      return { ok: false, message: errors.map((d) => renderDiagnostic(d, source, { color: opts.color ?? false })).join("\n\n"), diagnostics: r.diagnostics, files };
    }
    const policy = await loadPolicy(r.wasm, r.manifest, trust);
    return { ok: true, policy, digest: policy.manifest.sourceSha256, files };
  } catch (e) {
    if (e instanceof PolicyLoadError || e instanceof UsageError) return { ok: false, message: `${path}: ${e.message}`, diagnostics: [], files };
    throw e;
  }
}
