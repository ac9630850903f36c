// The `acpc` command line: one file per verb under verbs/, this file only dispatches.
import { auditVerb } from "./verbs/audit.js";
import { checkVerb, compileVerb } from "./verbs/compile.js";
import { evalVerb } from "./verbs/eval.js";
import { fmtVerb } from "./verbs/fmt.js";
import { inspectVerb } from "./verbs/inspect.js";
import { testVerb } from "./verbs/test.js";
import { runVerb } from "./verbs/run.js";
import { ctlVerb } from "./verbs/ctl.js";
import { keygenVerb } from "./verbs/keygen.js";
import { buildVerb } from "./verbs/build.js";
import { serveVerb } from "./verbs/serve.js";
import { mcpVerb } from "./verbs/mcp.js";
import { lspVerb } from "./verbs/lsp.js";
import { witVerb } from "./verbs/wit.js";
import { EXIT, UsageError, processIo, type Io } from "./io.js";

const USAGE = `usage: acpc <verb> [options]

verbs:
  compile <file|dir>... -o <dir> [--component]
                                   compile policies to <name>.wasm + <name>.manifest.json (and with
                                   --component <name>.component.wasm, a component of the world of acpc wit)
  check <file|dir>...              parse, type-check and verify without writing anything
  fmt [--check] <file|dir>...      rewrite policies in the canonical layout
  test <file|dir>...               run conformance case files; ends with "N passed, N failed"
  eval <policy.acp|module.wasm> --request <json|@file>   decide one request
  inspect <module.wasm>            imports, exports, manifest and cost bound of a module
  run agent.js --policy <p.acp|p.wasm> [--input JSON] [--mount /mem/x=./dir[:ro]] [--record flight.log]
                                   [--sign-key key.pem] [--tools tools.js] [--review approve|reject]
                                   run one agent in the kernel
                                   (exit 0 returned, 1 threw or crashed, 137 killed, 2 usage or compile errors)
  audit verify|prove|show|replay <log>   check a flight log's seals (--trust key.pub for signatures,
                                   --live for a log still written, --consistency HEAD), prove a record
                                   or the log's growth, print it (--agent ID), or re-decide it under
                                   --policy <p.acp|p.wasm>
  wit                              the WIT world acp:policy/decider@0.1.0 every policy component implements
  keygen -o NAME                   an ed25519 key pair (NAME.pem, NAME.pub) for signing seals and bundles
  build <p.acp> -o <p.bundle> [--sign-key key.pem]
                                   one file with the module, its manifest and provenance, signed with the key
  ctl list|approve|reject|signal   operator controls: agents, their states and pending reviews, from a
                                   running kernel (--socket PATH) or a recorded log (--log FILE)
  serve <p.acp|p.wasm> [--listen HOST:PORT] [--record flight.log] [--max-body BYTES]
                                   the decision server: POST /v1/decide, GET /v1/policy, /health, /metrics;
                                   reloads on SIGHUP or a changed file, stops on SIGINT/SIGTERM
  mcp --policy <p.acp|p.wasm> [--role R] [--record flight.log] [--listen HOST:PORT] [--control PATH] -- SERVER…
                                   the MCP gateway: every tools/call and resources/read decided by the
                                   policy before it reaches the MCP server SERVER… starts
  mcp schema -- SERVER…            .acp tool declarations from an MCP server's tools, to start a policy from
  lsp [--stdio]                    the language server for editors (LSP over stdin/stdout; see docs/editor.md)
  demo [--control PATH] [--review operator]   the demo of npm start (see the README)

every verb takes --json. Exit codes: 0 ok, 1 failures found, 2 usage or compile errors.`;

async function demoVerb(argv: string[]): Promise<number> {
  // The demo ships with the package (dist/examples/demo); it is loaded only when asked for.
  const { demoMain } = await import("../../examples/demo/main.js");
  return demoMain(argv);
}

type Verb = (argv: string[], io: Io) => number | Promise<number>;
const VERBS: Record<string, Verb> = { compile: compileVerb, check: checkVerb, fmt: fmtVerb, test: testVerb, eval: evalVerb, inspect: inspectVerb, audit: auditVerb, run: runVerb, ctl: ctlVerb, keygen: keygenVerb, demo: demoVerb };
VERBS.serve = serveVerb;
VERBS.mcp = mcpVerb;
VERBS.lsp = lspVerb;
VERBS.build = buildVerb;
VERBS.wit = witVerb;

export async function main(argv: string[], io: Io = processIo()): Promise<number> {
  const [verb, ...rest] = argv;
  if (!verb || verb === "--help" || verb === "-h" || verb === "help") { io.out(USAGE); return verb ? EXIT.ok : EXIT.usage; }
  // With --json, a usage error is also a JSON line on stdout: a script reading the last line of
  // `acpc … --json` gets an answer whatever went wrong.
  const dash = rest.indexOf("--");
  const json = (dash < 0 ? rest : rest.slice(0, dash)).includes("--json");
  const usage = (message: string) => {
    io.err(message);
    if (json) io.out(JSON.stringify({ ok: false, error: { code: "usage", message } }));
    return EXIT.usage;
  };
  const run = VERBS[verb];
  if (!run) return usage(`acpc: unknown verb \`${verb}\`\n\n${USAGE}`);
  try {
    return await run(rest, io);
  } catch (e) {
    if (e instanceof UsageError) return usage(`acpc ${verb}: ${e.message}`);
    throw e;
  }
}
