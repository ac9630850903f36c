// Runs a host tool for an agent: a timeout that aborts the tool, and a cap on the result's size
// (the result crosses into the guest as JSON, so it must be JSON).
import { SyscallError } from "./errors.js";
import type { ToolContext, ToolSpec } from "./types.js";

export async function runTool(name: string, spec: ToolSpec | undefined, args: unknown, ctx: Omit<ToolContext, "signal">, dead: AbortSignal): Promise<string | undefined> {
  if (!spec) throw new SyscallError("ENOSYS", `tool ${name} is declared by the policy but the host provides no implementation`);
  const timeoutMs = spec.timeoutMs ?? 30_000;
  const maxBytes = spec.maxResultBytes ?? 1024 * 1024;
  const abort = new AbortController();
  // The agent's end answers the call at once, whether or not the tool heeds its signal: the
  // syscall is completed in the flight log now, not when (or if) the tool returns.
  let onDead = () => {};
  const ended = new Promise<never>((_, reject) => { onDead = () => { abort.abort(dead.reason); reject(dead.reason); }; });
  dead.addEventListener("abort", onDead, { once: true });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = new SyscallError("ETIMEDOUT", `tool ${name} did not finish within ${timeoutMs} ms`);
      abort.abort(err);
      reject(err);
    }, timeoutMs);
  });
  try {
    const result = await Promise.race([Promise.resolve().then(() => spec.run(args, { ...ctx, signal: abort.signal })), timeout, ended]);
    let json: string | undefined;
    try { json = JSON.stringify(result); } catch (e) { throw new SyscallError("ETOOL", `tool ${name} returned a value that is not JSON: ${(e as Error).message}`); }
    if (json !== undefined && json.length > maxBytes) throw new SyscallError("E2BIG", `tool ${name} returned ${json.length} bytes, more than the ${maxBytes} allowed`);
    return json;
  } catch (e) {
    if (e instanceof SyscallError) throw e;
    throw new SyscallError("ETOOL", `tool ${name} failed: ${(e as Error)?.message ?? String(e)}`);
  } finally {
    clearTimeout(timer);
    dead.removeEventListener("abort", onDead);
  }
}
