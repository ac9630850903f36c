// A line of the first log format arrives from disk: parse it once, at the edge, into a typed record.
import { z } from "zod";
import { V1_FORMAT, type V1FlightRecord } from "./record.js";

const hex64 = z.string().regex(/^[0-9a-f]{64}$/);
const seq = z.number().int().nonnegative();
const agent = z.object({
  id: z.string(), name: z.string(), tenant: z.string(),
  role: z.string().optional(), labels: z.record(z.string(), z.string()).optional(),
});
const chain = { seq, ts: z.number(), prev: hex64, hash: hex64 };

const recordSchema = z.discriminatedUnion("kind", [
  z.object({
    ...chain, kind: z.literal("open"), format: z.literal(V1_FORMAT),
    policy: z.string().nullable(), policyHash: z.string().nullable(),
    keyId: z.string().nullable(), sealEvery: z.number().int().positive().nullable(),
    recovered: z.object({ truncatedBytes: z.number().int().nonnegative() }).optional(),
  }),
  z.object({
    ...chain, kind: z.literal("syscall"), agent, syscall: z.string(), target: z.string(),
    argsDigest: hex64, args: z.unknown().optional(), argsTruncated: z.boolean(),
    effect: z.enum(["allow", "deny", "kill", "stop"]), rule: z.string().nullable(), audit: z.array(z.string()),
    policyHash: z.string().nullable(),
  }),
  z.object({
    ...chain, kind: z.literal("complete"), of: seq, ok: z.boolean(), errno: z.string().nullable(),
    resultDigest: hex64, durationMs: z.number().nonnegative(),
  }),
  z.object({ ...chain, kind: z.literal("signal"), agent, signal: z.string(), source: z.enum(["host", "kernel", "policy"]) }),
  z.object({
    ...chain, kind: z.literal("agent"), agent, event: z.enum(["spawned", "exited", "crashed", "killed"]),
    detail: z.record(z.string(), z.unknown()).optional(),
  }),
  z.object({
    ...chain, kind: z.literal("review"), agent, syscall: z.string(), target: z.string(),
    verdict: z.enum(["approved", "rejected"]), of: seq.optional(),
  }),
  z.object({ ...chain, kind: z.literal("log"), agent, text: z.string() }),
  z.object({ ...chain, kind: z.literal("seal"), keyId: z.string(), through: seq, mac: hex64 }),
  z.object({ ...chain, kind: z.literal("close") }),
]);

export type ParsedV1Record = { ok: true; record: V1FlightRecord } | { ok: false; message: string };

/** Checks the shape of a parsed line. The record returned is the input itself, unknown fields kept, so its hash still recomputes. */
export function parseV1Record(json: unknown): ParsedV1Record {
  const r = recordSchema.safeParse(json);
  if (r.success) return { ok: true, record: json as V1FlightRecord };
  const first = r.error.issues[0]!;
  return { ok: false, message: `${first.path.join(".") || "record"}: ${first.message}` };
}
