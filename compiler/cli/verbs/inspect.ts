// `acpc inspect <module.wasm>`: what a module imports and exports, and what its manifest says.
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { sha256 } from "../../manifest.js";
import { parseManifest } from "../../../stdlib/abi/manifest-schema.js";
import { EXIT, UsageError, checkFlags, parseArgs, readText, type Io } from "../io.js";

export function inspectVerb(argv: string[], io: Io): number {
  const args = parseArgs(argv, ["--manifest"]);
  checkFlags(args, ["--manifest", "--json"]);
  const [file, ...rest] = args.positional;
  if (!file || rest.length) throw new UsageError("usage: acpc inspect <module.wasm>");
  const path = resolve(io.cwd, file);
  let bytes: Uint8Array;
  try { bytes = new Uint8Array(readFileSync(path)); } catch { throw new UsageError(`cannot read ${file}`); }
  let mod: WebAssembly.Module;
  try { mod = new WebAssembly.Module(bytes); } catch (e) {
    const message = `not a WebAssembly module: ${(e as Error).message}`;
    if (args.flags.has("--json")) io.out(JSON.stringify({ ok: false, file, error: { code: "E1005", message } }));
    else io.err(`${file}: error[E1005]: ${message}`);
    return EXIT.failed;
  }
  const imports = WebAssembly.Module.imports(mod);
  const exports = WebAssembly.Module.exports(mod);
  const mPath = (args.flags.get("--manifest") as string | undefined) ?? path.replace(/\.wasm$/, ".manifest.json");
  const manifestRaw = existsSync(mPath) ? safeParse(readText(mPath)) : null;
  const parsed = manifestRaw === null ? null : parseManifest(manifestRaw);
  const manifest = parsed && parsed.ok ? parsed.manifest : null;
  const digest = sha256(bytes);
  const hashOk = manifest ? manifest.moduleSha256 === digest : null;
  if (args.flags.has("--json")) {
    io.out(JSON.stringify({ file, bytes: bytes.length, sha256: digest, imports, exports, manifest, manifestError: parsed && !parsed.ok ? parsed.message : null, hashMatches: hashOk }));
  } else {
    io.out(`${file}: ${bytes.length} bytes, sha256 ${digest}`);
    io.out(`imports (${imports.length}): ${imports.length ? imports.map((i) => `${i.module}.${i.name} (${i.kind})`).join(", ") : "none"}`);
    io.out(`exports (${exports.length}): ${exports.map((e) => `${e.name} (${e.kind})`).join(", ")}`);
    if (!manifest) io.out(parsed && !parsed.ok ? `manifest: invalid (${parsed.message})` : "manifest: none found");
    else {
      io.out(`policy: ${manifest.policy}${manifest.version ? ` ${manifest.version}` : ""} from ${manifest.file}, on violation ${manifest.onViolation}`);
      io.out(`module hash ${hashOk ? "matches" : "DOES NOT match"} the manifest`);
      io.out(`cost bound: ${manifest.costBound.steps} steps (${Object.entries(manifest.costBound.perSyscall).map(([k, v]) => `${k} ${v}`).join(", ")})`);
      io.out(`rules (${manifest.rules.length}):`);
      for (const r of manifest.rules) io.out(`  ${r.id}  ${r.effect} ${r.target}  (line ${r.span.line})`);
      if (manifest.tools.length) io.out(`tools: ${manifest.tools.map((t) => t.name).join(", ")}`);
      if (manifest.pipes.length) io.out(`pipes: ${manifest.pipes.map((p) => `${p.name} (${p.from} -> ${p.to}, capacity ${p.capacity})`).join(", ")}`);
      if (manifest.limits.length) io.out(`limits: ${manifest.limits.map((l) => `${l.target} ${l.count} per ${l.window}`).join(", ")}`);
    }
  }
  return imports.length || hashOk === false ? EXIT.failed : EXIT.ok;
}

function safeParse(s: string): unknown {
  try { return JSON.parse(s); } catch { return {}; }
}
