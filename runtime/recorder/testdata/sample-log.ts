// A small, realistic log for the tests: two agents, syscalls answered in their own record and
// syscalls with effects and completions, a signal, a kill.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FlightRecorder } from "../recorder.js";
import { generateKeyPair, signKey, trustedKey, type SignKey, type TrustedKey } from "../sign-key.js";

export const PAYER = { id: "a1", name: "payer", tenant: "acme", role: "clerk" };
export const THIEF = { id: "a2", name: "thief", tenant: "acme", role: "clerk" };

const pair = generateKeyPair();
/** A signing key, and its public half as a verifier trusts it. */
export const KEY: SignKey = signKey(pair.privatePem);
export const TRUST: TrustedKey = trustedKey(pair.publicPem);
export const KEY_PEM = pair;

export function tempLog(name = "flight.log"): string {
  return join(mkdtempSync(join(tmpdir(), "acp-recorder-")), name);
}

/**
 * Writes the sample log, in five group commits, each sealed: #0 open, #1 seal; #2 spawned, #3 a
 * tool call's intent, #4 seal; #5 its completion, #6 a read answered in its own record, #7 spawned,
 * #8 a denied call, #9 an intent whose args are over the cap, #10 seal; #11 signal, #12 killed,
 * #13 log, #14 exited, #15 seal; #16 close, #17 seal. ts 1000, 1010, … in order.
 */
export async function writeSampleLog(path = tempLog(), opts: { signKey?: SignKey } = {}): Promise<string> {
  let t = 1000;
  const rec = await FlightRecorder.open({ path, policy: { name: "shop", hash: "ab".repeat(32) }, now: () => (t += 10) - 10, ...opts });
  await fill(rec);
  await rec.close();
  return path;
}

/** The sample's records, into any recorder: four batches of appends (see writeSampleLog). */
export async function fill(rec: FlightRecorder): Promise<void> {
  const allow = { effect: "allow" as const, rule: "cheap", audit: [] };
  const [, s1] = await Promise.all([
    rec.agentEvent(PAYER, "spawned"),
    rec.syscall({ agent: PAYER, syscall: "tool.call", target: "buy", args: { item: "pen", price: 3 }, decision: allow }),
  ]);
  await Promise.all([
    rec.complete({ of: s1.seq, ok: true, result: { id: "o-1" }, durationMs: 1.25 }),
    rec.syscall({ agent: PAYER, syscall: "fs.read", target: "/mem/prices.txt", decision: { effect: "allow", rule: "read", audit: [] }, outcome: { ok: true, answer: '"pen 3"' } }),
    rec.agentEvent(THIEF, "spawned"),
    rec.syscall({ agent: THIEF, syscall: "tool.call", target: "buy", args: { item: "gun", price: 5 }, decision: { effect: "deny", rule: "shop:5", audit: [] }, outcome: { ok: false, errno: "EPERM" } }),
    rec.syscall({ agent: THIEF, syscall: "tool.call", target: "buy", args: { item: "x".repeat(5000), price: 1 }, decision: allow }),
  ]);
  await Promise.all([
    rec.signal(THIEF, "SIGKILL", "policy"),
    rec.agentEvent(THIEF, "killed", { signal: "SIGKILL" }),
    rec.append({ kind: "log", agent: PAYER, text: "bought a pen" }),
    rec.agentEvent(PAYER, "exited", { status: "exited" }),
  ]);
}
