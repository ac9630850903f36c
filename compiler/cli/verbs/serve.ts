// `acpc serve <p.acp|p.wasm|p.bundle> [--listen HOST:PORT] [--trust key.pub]… [--record flight.log] [--max-body BYTES] [--json]`:
// the decision server (runtime/serve). The policy is reloaded on SIGHUP and when its file changes;
// the new one is compiled and loaded in full first, and one that fails keeps the old one deciding
// (the diagnostics go to stderr). SIGINT and SIGTERM stop it: requests in flight are answered, the
// flight log is sealed and closed, and it exits 0.
import { unwatchFile, watchFile } from "node:fs";
import { resolve } from "node:path";
import { DecisionServer, DEFAULT_MAX_BODY } from "../../../runtime/serve/decision-server.js";
import { FlightRecorder } from "../../../runtime/recorder/recorder.js";
import { RecorderError } from "../../../runtime/recorder/recorder-error.js";
import { jsonDiag } from "./compile.js";
import { CompileWorker } from "../compile-worker.js";
import { loadPolicyFile, type PolicyFile } from "../policy-file.js";
import { EXIT, UsageError, checkFlags, parseArgs, readText, type Io } from "../io.js";

const VALUED = ["--trust", "--listen", "--manifest", "--record", "--sign-key", "--max-body"];
const USAGE = "usage: acpc serve <p.acp|p.wasm|p.bundle> [--listen HOST:PORT] [--manifest M] [--record flight.log] [--sign-key key.pem] [--max-body BYTES] [--no-watch] [--json]";

/** `HOST:PORT` (`[::1]:PORT` for IPv6); port 0 takes a free one. */
export function parseListen(s: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(s);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new UsageError(`--listen wants HOST:PORT, got ${s}`);
  return { host: m[1] ?? m[2]!, port };
}

export async function serveVerb(argv: string[], io: Io): Promise<number> {
  const args = parseArgs(argv, VALUED, ["--trust"]);
  checkFlags(args, [...VALUED, "--no-watch", "--json"]);
  const trust = (args.multi.get("--trust") ?? []).map((k) => readText(resolve(io.cwd, k)));
  const [file, ...rest] = args.positional;
  if (!file || rest.length) throw new UsageError(USAGE);
  const json = args.flags.has("--json");
  const { host, port } = parseListen((args.flags.get("--listen") as string | undefined) ?? "127.0.0.1:8181");
  const maxArg = args.flags.get("--max-body");
  const maxBodyBytes = typeof maxArg === "string" ? Number(maxArg) : DEFAULT_MAX_BODY;
  if (!Number.isInteger(maxBodyBytes) || maxBodyBytes < 1) throw new UsageError(`--max-body wants a positive number of bytes, got ${maxArg}`);
  const path = resolve(io.cwd, file);
  const manifest = args.flags.get("--manifest") as string | undefined;
  const load = (compiler?: CompileWorker) => loadPolicyFile(path, {
    manifest: manifest && resolve(io.cwd, manifest), color: io.color, ...(trust.length ? { trustedKeys: trust } : {}),
    ...(compiler ? { compile: (source: string, filename: string) => compiler.compile(source, filename) } : {}),
  });

  const first = await load();
  if (!first.ok) {
    io.err(first.message);
    if (json) io.out(JSON.stringify({ ok: false, file, diagnostics: first.diagnostics.map(jsonDiag), error: first.diagnostics.length ? undefined : { message: first.message } }));
    return EXIT.usage;
  }
  const record = args.flags.get("--record");
  const signKeyArg = args.flags.get("--sign-key");
  let recorder: FlightRecorder | undefined;
  if (typeof record === "string") {
    try {
      recorder = await FlightRecorder.open({
        path: resolve(io.cwd, record), policy: { name: first.policy.manifest.policy, hash: first.digest },
        ...(typeof signKeyArg === "string" ? { signKey: readText(resolve(io.cwd, signKeyArg)) } : {}),
      });
    } catch (e) {
      if (e instanceof RecorderError) throw new UsageError(`--record ${record}: ${e.message}`);
      throw e;
    }
  }
  let server: DecisionServer;
  try {
    server = await DecisionServer.listen({ policy: first, recorder, maxBodyBytes }, host, port);
  } catch (e) {
    await recorder?.close().catch(() => undefined);
    throw new UsageError(`cannot listen on ${host}:${port}: ${(e as Error).message}`);
  }
  // The signals are ours before the first line says we listen: a client that reads it and stops us
  // at once gets a clean stop.
  const stopped = new Promise<void>((done) => {
    const stop = () => { process.off("SIGINT", stop); process.off("SIGTERM", stop); done(); };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
  const onHup = () => reload("SIGHUP");
  process.on("SIGHUP", onHup);
  const addr = server.address;
  const url = `http://${addr.host.includes(":") ? `[${addr.host}]` : addr.host}:${addr.port}`;
  if (json) io.out(JSON.stringify({ ok: true, listening: url, host: addr.host, port: addr.port, policy: first.policy.manifest.policy, digest: first.digest }));
  io.err(`acpc serve: policy ${first.policy.manifest.policy} (${first.digest.slice(0, 12)}) on ${url}${recorder ? `, decisions logged to ${record}` : ""}`);

  // Reloads compile on a worker thread, so requests go on being answered meanwhile.
  const compiler = new CompileWorker();
  // Reloads run one at a time; a change that comes during one is picked up by one more after it.
  let reloading: Promise<void> | null = null;
  let again = false;
  const reload = (why: string): void => {
    if (reloading) { again = true; return; }
    reloading = (async () => {
      do {
        again = false;
        let next: PolicyFile;
        try { next = await load(compiler); } catch (e) { next = { ok: false, message: `${file}: ${(e as Error).message}`, diagnostics: [], files: [] }; }
        if (!next.ok) {
          server.reloadFailed();
          io.err(`acpc serve: reload (${why}) failed; still deciding with ${server.policy.digest.slice(0, 12)}\n${next.message}`);
        } else if (next.digest !== server.policy.digest || next.policy.manifest.moduleSha256 !== server.policy.policy.manifest.moduleSha256) {
          await server.reload(next).catch((e) => io.err(`acpc serve: the flight log refused the policy record: ${(e as Error).message}`));
          io.err(`acpc serve: reloaded (${why}): policy ${next.policy.manifest.policy} (${next.digest.slice(0, 12)})`);
        }
      } while (again);
      reloading = null;
    })();
  };
  // Polled, not fs.watch: an editor or a deploy that replaces the file (rename over it) is seen too.
  let debounce: ReturnType<typeof setTimeout> | undefined;
  const changed = () => { clearTimeout(debounce); debounce = setTimeout(() => reload("file changed"), 50); };
  const watched = args.flags.has("--no-watch") ? [] : first.files;
  for (const f of watched) watchFile(f, { interval: 100 }, changed);

  await stopped;
  process.off("SIGHUP", onHup);
  for (const f of watched) unwatchFile(f, changed);
  clearTimeout(debounce);
  await server.close();
  await reloading;
  await compiler.close();
  try { await recorder?.close(); } catch (e) {
    io.err(`acpc serve: the flight log did not close cleanly: ${(e as Error).message}`);
    return EXIT.failed;
  }
  io.err("acpc serve: stopped");
  return EXIT.ok;
}
