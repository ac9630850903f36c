// A small, realistic log for the tests: two agents, syscalls with completions, a signal, a crash.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RecorderKey } from "../key.js";
import { FlightRecorder } from "../recorder.js";

export const PAYER = { id: "a1", name: "payer", tenant: "acme", role: "clerk" };
export const THIEF = { id: "a2", name: "thief", tenant: "acme", role: "clerk" };
export const KEY: RecorderKey = { id: "k1", secret: new Uint8Array(32).fill(7) };

export function tempLog(name = "flight.log"): string {
  return join(mkdtempSync(join(tmpdir(), "acp-recorder-")), name);
}

/** Writes 14 records (seq 0..13, the last one `close`) at ts 1000, 1010, ...; returns the path. */
export async function writeSampleLog(path = tempLog(), opts: { key?: RecorderKey; sealEvery?: number } = {}): Promise<string> {
  let t = 1000;
  const rec = await FlightRecorder.open({ path, policy: { name: "shop", hash: "ab".repeat(32) }, now: () => (t += 10) - 10, ...opts });
  const allow = { effect: "allow" as const, rule: "cheap", audit: [] };
  await rec.agentEvent(PAYER, "spawned");
  const s1 = await rec.syscall({ agent: PAYER, syscall: "tool.call", target: "buy", args: { item: "pen", price: 3 }, decision: allow, policyHash: "ab".repeat(32) });
  await rec.complete({ of: s1.seq, ok: true, result: { id: "o-1" }, durationMs: 1.25 });
  const s2 = await rec.syscall({ agent: PAYER, syscall: "tool.call", target: "buy", args: { item: "car", price: 90 }, decision: allow, policyHash: "ab".repeat(32) });
  await rec.complete({ of: s2.seq, ok: true, result: { id: "o-2" }, durationMs: 12 });
  await rec.agentEvent(THIEF, "spawned");
  const s3 = await rec.syscall({ agent: THIEF, syscall: "tool.call", target: "buy", args: { item: "gun", price: 5 }, decision: { effect: "deny", rule: "shop:5", audit: [] }, policyHash: "ab".repeat(32) });
  await rec.complete({ of: s3.seq, ok: false, errno: "EPERM", durationMs: 0.1 });
  await rec.syscall({ agent: THIEF, syscall: "tool.call", target: "buy", args: { item: "x".repeat(5000), price: 1 }, decision: allow, policyHash: "ab".repeat(32) });
  await rec.signal(THIEF, "SIGKILL", "policy");
  await rec.agentEvent(THIEF, "killed", { signal: "SIGKILL" });
  await rec.agentEvent(PAYER, "exited", { status: "exited" });
  await rec.close();
  return path;
}
