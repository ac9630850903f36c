// The VS Code client: starts `acpc lsp` for .acp files and hands it every open policy.
// Bundled with vscode-languageclient into one file by scripts/vsix.mjs; `vscode` is the editor's.
const { existsSync } = require("node:fs");
const { join } = require("node:path");
const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");

let client;

/** The configured command, else the workspace's own acpc, else acpc on the PATH. */
function serverCommand() {
  const config = vscode.workspace.getConfiguration("acp");
  const configured = config.get("server.command", "");
  const args = [...config.get("server.args", []), "lsp"];
  if (configured) return { command: configured, args };
  const bin = process.platform === "win32" ? "acpc.cmd" : "acpc";
  for (const folder of vscode.workspace.workspaceFolders ?? []) {
    const local = join(folder.uri.fsPath, "node_modules", ".bin", bin);
    if (existsSync(local)) return { command: local, args };
  }
  return { command: bin, args };
}

async function activate(context) {
  const { command, args } = serverCommand();
  // stdio: the client adds `--stdio`, which `acpc lsp` accepts.
  const server = { command, args, transport: TransportKind.stdio, options: { shell: process.platform === "win32" } };
  client = new LanguageClient("acp", "ACP policies", { run: server, debug: server }, {
    // Case files too: a rule id there leads to its rule (hover, definition, references).
    documentSelector: [{ language: "acp" }, { language: "json", pattern: "**/*.cases.json" }],
  });
  context.subscriptions.push(client);
  try {
    await client.start();
  } catch (e) {
    void vscode.window.showErrorMessage(`ACP: could not start \`${command} ${args.join(" ")}\` (${e && e.message ? e.message : e}). Install agent-control-plane in the workspace or set acp.server.command.`);
  }
}

async function deactivate() {
  // A server that never started (no acpc found) has nothing to stop.
  if (client && client.isRunning()) await client.stop();
}

module.exports = { activate, deactivate };
