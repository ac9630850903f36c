// `acpc inspect <module.wasm>`: what a module imports and exports, and what its manifest says.
import { BundleError, isBundle, readBundle, type Bundle } from "../../../stdlib/abi/bundle.js";
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { sha256 } from "../../manifest.js";
import { parseManifest } from "../../../stdlib/abi/manifest-schema.js";
import { EXIT, UsageError, checkFlags, parseArgs, readText, type Io } from "../io.js";

export function inspectVerb(argv: string[], io: Io): number {
  const args = parseArgs(argv, ["--manifest", "--trust"], ["--trust"]);
  checkFlags(args, ["--manifest", "--trust", "--json"]);
  const [file, ...rest] = args.positional;
  if (!file || rest.length) throw new UsageError("usage: acpc inspect <module.wasm|p.bundle> [--trust key.pub]…");
  const path = resolve(io.cwd, file);
  let bytes: Uint8Array;
  try { bytes = new Uint8Array(readFileSync(path)); } catch { throw new UsageError(`cannot read ${file}`); }
  if (isBundle(bytes)) return inspectBundle(file, bytes, (args.multi.get("--trust") ?? []).map((k) => readText(resolve(io.cwd, k))), args.flags.has("--json"), io);
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

/** A bundle: what it holds and who signed it; with --trust, whether that key's signature holds. */
function inspectBundle(file: string, bytes: Uint8Array, trust: string[], json: boolean, io: Io): number {
  let b: Bundle;
  try { b = readBundle(bytes, trust.length ? { trustedKeys: trust } : {}); } catch (e) {
    if (!(e instanceof BundleError)) throw e;
    if (json) io.out(JSON.stringify({ ok: false, file, error: { code: e.code, message: e.message } }));
    else io.err(`${file}: error[${e.code}]: ${e.message}`);
    return EXIT.failed;
  }
  const h = b.header, m = h.manifest as { policy?: string; rules?: unknown[] };
  const signature = h.kid === undefined ? "unsigned" : b.signedBy !== null ? "verified" : "not checked (give --trust)";
  if (json) {
    io.out(JSON.stringify({ ok: true, file, format: h.format, bytes: bytes.length, policy: m.policy, compiler: h.compiler, sourceSha256: h.sourceSha256, moduleSha256: h.moduleSha256, moduleBytes: h.moduleBytes, kid: h.kid ?? null, signature, manifest: h.manifest }));
  } else {
    io.out(`${file}: ${h.format}, ${bytes.length} bytes, policy ${m.policy} (${m.rules?.length ?? 0} rules), built by ${h.compiler}`);
    io.out(`module: ${h.moduleBytes} bytes, sha256 ${h.moduleSha256}; source sha256 ${h.sourceSha256}`);
    io.out(h.kid === undefined ? "signer: none (unsigned)" : `signer: key ${h.kid}, signature ${signature}`);
  }
  return EXIT.ok;
}
