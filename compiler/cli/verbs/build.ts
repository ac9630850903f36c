// `acpc build p.acp -o p.bundle [--sign-key key.pem] [--json]`: one file (acp-bundle/1) that
// carries the compiled module, its manifest, the source's digest and the compiler's version, and
// with --sign-key an ed25519 signature over all of it (stdlib/abi/bundle.ts). `loadPolicy`,
// `Kernel.create`, `acpc run|serve|mcp --policy p.bundle --trust key.pub` refuse it unsigned,
// signed by another key, or with a byte changed.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { compile } from "../../compile.js";
import { renderDiagnostic } from "../../../grammar/diagnostics.js";
import { writeBundle } from "../../../stdlib/abi/bundle.js";
import { KeyError } from "../../../stdlib/keys.js";
import { EXIT, UsageError, checkFlags, parseArgs, readText, type Io } from "../io.js";

const USAGE = "usage: acpc build <p.acp> -o <p.bundle> [--sign-key key.pem] [--json]";

export function buildVerb(argv: string[], io: Io): number {
  const args = parseArgs(argv, ["-o", "--sign-key"]);
  checkFlags(args, ["-o", "--sign-key", "--json"]);
  const out = args.flags.get("-o"), keyArg = args.flags.get("--sign-key");
  const [file, ...rest] = args.positional;
  if (!file || rest.length || typeof out !== "string") throw new UsageError(USAGE);
  const json = args.flags.has("--json");
  const source = readText(resolve(io.cwd, file));
  const key = typeof keyArg === "string" ? readText(resolve(io.cwd, keyArg)) : undefined;
  const rel = relative(io.cwd, resolve(io.cwd, file)) || file;
  const r = compile(source, { filename: rel });
  if (!r.wasm || !r.manifest) {
    if (json) io.out(JSON.stringify({ ok: false, file: rel, diagnostics: r.diagnostics.map((d) => ({ code: d.code, severity: d.severity, message: d.message, file: d.span.file, line: d.span.line, col: d.span.col })) }));
    else for (const d of r.diagnostics) io.err(renderDiagnostic(d, source, { color: io.color }) + "\n");
    return EXIT.failed;
  }
  let bytes: Uint8Array;
  try { bytes = writeBundle({ wasm: r.wasm, manifest: r.manifest, source, compiler: `acpc ${compilerVersion()}`, signKey: key }); } catch (e) {
    if (e instanceof KeyError) throw new UsageError(`--sign-key ${keyArg}: ${e.message}`);
    throw e;
  }
  const outPath = resolve(io.cwd, out);
  try { writeFileSync(outPath, bytes); } catch (e) { throw new UsageError(`cannot write ${out}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`); }
  const kid = key === undefined ? null : (JSON.parse(Buffer.from(bytes.subarray(0, bytes.indexOf(0x0a))).toString("utf8")) as { kid: string }).kid;
  if (json) io.out(JSON.stringify({ ok: true, file: rel, bundle: relative(io.cwd, outPath), policy: r.manifest.policy, bytes: bytes.length, moduleSha256: r.manifest.moduleSha256, kid }));
  else io.out(`${rel} → ${relative(io.cwd, outPath)} (${bytes.length} bytes, policy ${r.manifest.policy}, ${kid ? `signed by key ${kid}` : "unsigned"})`);
  return EXIT.ok;
}

/** This package's version, from the package.json above this file (source or built). */
function compilerVersion(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const p = join(dir, "package.json");
    if (existsSync(p)) {
      const pkg = JSON.parse(readFileSync(p, "utf8")) as { name?: string; version?: string };
      if (pkg.name === "agent-control-plane" && pkg.version) return pkg.version;
    }
    if (dirname(dir) === dir) return "unknown";
  }
}
