// `acpc lsp [--stdio]`: the language server for .acp files, speaking LSP on stdin and stdout.
import { EXIT, UsageError, checkFlags, parseArgs, type Io } from "../io.js";

export async function lspVerb(argv: string[], _io: Io): Promise<number> {
  // Editors' clients add `--stdio` (the only transport) and may pass their process id.
  const args = parseArgs(argv, ["--clientProcessId"]);
  checkFlags(args, ["--stdio", "--clientProcessId", "--json"]);
  if (args.positional.length) throw new UsageError("lsp takes no files: the editor sends them over the protocol");
  // Loaded only here, so other verbs never load the protocol libraries.
  const { serve } = await import("../../lsp/server.js");
  const code = await serve(process.stdin, process.stdout);
  return code === 0 ? EXIT.ok : EXIT.failed;
}
