// Runs testdata/append-child.ts under node + tsx and collects what it printed.
import { spawn, type ChildProcess } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "../../..");

export interface ChildRun {
  child: ChildProcess;
  /** Complete stdout lines so far. */
  lines: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `fileSizeLimitKb`: run under `ulimit -f`, so writes past it fail with EFBIG. */
export function runAppendChild(path: string, opts: { mode?: "group" | "always"; fileSizeLimitKb?: number } = {}): ChildRun {
  const node = [process.execPath, "--import", "tsx", join(here, "append-child.ts"), path, opts.mode ?? "group"];
  const child = opts.fileSizeLimitKb === undefined
    ? spawn(node[0]!, node.slice(1), { cwd: root, stdio: ["ignore", "pipe", "inherit"] })
    // bash counts -f in KiB; exec keeps the limited shell's pid for the child.
    : spawn("bash", ["-c", `ulimit -f ${opts.fileSizeLimitKb} && exec "$@"`, "bash", ...node], { cwd: root, stdio: ["ignore", "pipe", "inherit"] });
  const lines: string[] = [];
  let partial = "";
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
    const parts = (partial + chunk).split("\n");
    partial = parts.pop()!;
    lines.push(...parts);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on("close", (code, signal) => resolve({ code, signal })));
  return { child, lines, exited };
}
