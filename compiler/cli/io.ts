// What a verb may touch of the outside world, so tests can run verbs in-process.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";

export interface Io {
  out(s: string): void;
  err(s: string): void;
  color: boolean;
  cwd: string;
}

export const processIo = (): Io => ({
  out: (s) => process.stdout.write(s + "\n"),
  err: (s) => process.stderr.write(s + "\n"),
  color: Boolean(process.stderr.isTTY) && !process.env.NO_COLOR,
  cwd: process.cwd(),
});

export class UsageError extends Error {
  constructor(message: string) { super(message); this.name = "UsageError"; }
}

/** Exit codes shared by every verb. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

export interface Args { positional: string[]; flags: Map<string, string | true>; multi: Map<string, string[]> }

/** `--flag value`, `--flag=value`, `-o value`; `repeatable` flags collect every value in `multi`. */
export function parseArgs(argv: string[], valued: readonly string[], repeatable: readonly string[] = []): Args {
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  const multi = new Map<string, string[]>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--") { positional.push(...argv.slice(i + 1)); break; }
    if (a.startsWith("-") && a !== "-") {
      const [name, inline] = a.includes("=") ? [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)] : [a, undefined];
      if (valued.includes(name)) {
        const v = inline ?? argv[++i];
        if (v === undefined) throw new UsageError(`${name} needs a value`);
        flags.set(name, v);
        if (repeatable.includes(name)) multi.set(name, [...(multi.get(name) ?? []), v]);
      } else {
        if (inline !== undefined) throw new UsageError(`${name} takes no value`);
        flags.set(name, true);
      }
      continue;
    }
    positional.push(a);
  }
  return { positional, flags, multi };
}

export function checkFlags(args: Args, allowed: readonly string[]): void {
  for (const f of args.flags.keys()) if (!allowed.includes(f)) throw new UsageError(`unknown option ${f}`);
}

/** Every `.acp` file named, or found below a named directory. */
export function policyFiles(cwd: string, paths: string[]): string[] {
  const out: string[] = [];
  const visit = (p: string) => {
    let st;
    try { st = statSync(p); } catch { throw new UsageError(`no such file or directory: ${p}`); }
    if (st.isDirectory()) { for (const e of readdirSync(p).sort()) if (!e.startsWith(".") && e !== "node_modules") visitMaybe(join(p, e)); return; }
    out.push(p);
  };
  const visitMaybe = (p: string) => {
    const st = statSync(p);
    if (st.isDirectory()) visit(p);
    else if (p.endsWith(".acp")) out.push(p);
  };
  for (const p of paths) visit(resolve(cwd, p));
  return out;
}

export function readText(path: string): string {
  let bytes: Buffer;
  try { bytes = readFileSync(path); } catch (e) { throw new UsageError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`); }
  // Strict: invalid bytes would otherwise become U+FFFD, and a glob or string would silently say
  // something else than the file does.
  try { return new TextDecoder("utf-8", { fatal: true }).decode(bytes); } catch {
    const at = firstInvalidUtf8(bytes);
    throw new UsageError(`cannot read ${path}: not valid UTF-8 (byte ${at}, line ${bytes.subarray(0, at).toString("latin1").split("\n").length})`);
  }
}

function firstInvalidUtf8(b: Uint8Array): number {
  const d = new TextDecoder("utf-8", { fatal: true });
  let lo = 0, hi = b.length; // the longest valid prefix, by bisection
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    try { d.decode(b.subarray(0, mid)); lo = mid; } catch { hi = mid - 1; }
  }
  return lo;
}
