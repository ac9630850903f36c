// Runs a packed extension.js outside VS Code: a stand-in for the `vscode` module, just enough of
// the API for vscode-languageclient to start its server; everything else is an inert stub.
// Usage: node run-extension.cjs <extension.js> <server command> [args…]; prints one JSON line.
const Module = require("node:module");
const cp = require("node:child_process");

const [extension, command, ...args] = process.argv.slice(2);
const logs = [];
const disposable = { dispose() {} };

/** Any property, call or `new` of it gives another stub; it iterates as empty. */
function stub() {
  return new Proxy(function () {}, {
    get(_t, k) {
      if (k === "then") return undefined;
      if (k === Symbol.iterator) return function* () {};
      if (k === Symbol.toPrimitive) return () => "stub";
      return stub();
    },
    apply: () => stub(),
    construct: () => stub(),
  });
}
const withStubs = (o) => new Proxy(o, { get: (t, k) => (k in t ? t[k] : stub()) });

class EventEmitter {
  constructor() { this.listeners = []; this.event = (l) => { this.listeners.push(l); return disposable; }; }
  fire(x) { for (const l of this.listeners) l(x); }
  dispose() {}
}
const channel = new Proxy({ name: "acp", logLevel: 2, onDidChangeLogLevel: () => disposable }, {
  get: (t, k) => (k in t ? t[k] : (...a) => { logs.push(`${String(k)}: ${a.map(String).join(" ")}`); }),
});
const event = () => disposable;
const vscode = withStubs({
  version: "1.95.0",
  EventEmitter,
  Disposable: class { constructor(f) { this.f = f; } dispose() { if (this.f) this.f(); } static from(...ds) { return { dispose() { for (const d of ds) d.dispose?.(); } }; } },
  window: withStubs({ createOutputChannel: () => channel, showErrorMessage: (m) => { logs.push(`showErrorMessage: ${m}`); return Promise.resolve(); } }),
  workspace: withStubs({
    getConfiguration: (section) => ({
      get: (key, def) => (section !== "acp" ? def : key === "server.command" ? command : key === "server.args" ? args : def),
      has: () => false, inspect: () => undefined, update: async () => {},
    }),
    workspaceFolders: undefined,
    textDocuments: [],
    onDidOpenTextDocument: event, onDidChangeTextDocument: event, onDidCloseTextDocument: event, onDidSaveTextDocument: event,
    onWillSaveTextDocument: event, onDidChangeConfiguration: event, onDidChangeWorkspaceFolders: event,
  }),
});

const spawned = [];
const spawn = cp.spawn;
cp.spawn = function (cmd, argv, opts) {
  const child = spawn.call(this, cmd, argv, opts);
  spawned.push({ argv: [cmd, ...argv], child, exit: new Promise((r) => { child.once("exit", (code) => r(code)); child.once("error", (e) => r(e.code)); }) });
  return child;
};
const load = Module._load;
Module._load = function (request, ...rest) { return request === "vscode" ? vscode : load.call(this, request, ...rest); };

(async () => {
  const ext = require(extension);
  await ext.activate({ subscriptions: [], extensionPath: __dirname, asAbsolutePath: (p) => p });
  const server = spawned[0];
  const runningAfterActivate = server !== undefined && server.child.exitCode === null;
  await ext.deactivate();
  const exitCode = server ? await server.exit : null;
  process.stdout.write(JSON.stringify({ argv: server?.argv ?? null, runningAfterActivate, exitCode, logs }) + "\n");
})().catch((e) => { process.stdout.write(JSON.stringify({ error: String(e && e.stack || e), logs }) + "\n"); });
