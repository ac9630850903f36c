// A log line arrives from disk: parse it once, at the edge, into a typed FlightRecord.
import { z } from "zod";
import { RECORDER_FORMAT, type FlightRecord, type RecordBody } from "./record.js";

const hex64 = z.string().regex(/^[0-9a-f]{64}$/);
const seq = z.number().int().nonnegative();
const count = z.number().int().nonnegative();
const agent = z.strictObject({
  id: z.string(), name: z.string(), tenant: z.string(),
  role: z.string().optional(), labels: z.record(z.string(), z.string()).optional(),
});
const effect = z.enum(["allow", "deny", "kill", "stop"]);
const header = { seq, ts: z.number() };

// Strict: a record is what the recorder wrote, member for member; a member added by hand is an edit.
const recordSchema = z.discriminatedUnion("kind", [
  z.strictObject({
    ...header, kind: z.literal("open"), format: z.literal(RECORDER_FORMAT),
    policy: z.string().nullable(), policyHash: z.string().nullable(), kid: z.string().nullable(),
    recovered: z.strictObject({ truncatedBytes: count, unsealed: count }).optional(),
  }),
  z.strictObject({
    ...header, kind: z.literal("syscall"), agent, syscall: z.string(), target: z.string(),
    targetBytes: count.optional(), targetDigest: hex64.optional(),
    args: z.unknown().optional(), argsDigest: hex64.optional(), argsBytes: count.optional(),
    effect, rule: z.string().nullable(), audit: z.array(z.string()),
    ok: z.boolean().optional(), errno: z.string().nullable().optional(), resultDigest: hex64.optional(),
    within: seq.optional(),
    shadow: z.strictObject({ effect, rule: z.string().nullable() }).optional(),
  }),
  z.strictObject({
    ...header, kind: z.literal("complete"), of: seq, ok: z.boolean(), errno: z.string().nullable(),
    resultDigest: hex64, durationMs: z.number().nonnegative(),
  }),
  z.strictObject({ ...header, kind: z.literal("signal"), agent, signal: z.string(), source: z.enum(["host", "kernel", "policy"]) }),
  z.strictObject({
    ...header, kind: z.literal("agent"), agent, event: z.enum(["spawned", "exited", "crashed", "killed"]),
    detail: z.record(z.string(), z.unknown()).optional(),
  }),
  z.strictObject({
    ...header, kind: z.literal("review"), agent, syscall: z.string(), target: z.string(),
    verdict: z.enum(["approved", "rejected"]), of: seq.optional(),
  }),
  z.strictObject({ ...header, kind: z.literal("log"), agent, text: z.string() }),
  z.strictObject({ ...header, kind: z.literal("policy"), policy: z.string(), policyHash: z.string() }),
  z.strictObject({
    ...header, kind: z.literal("seal"), size: count, hash: hex64, root: hex64,
    kid: z.string().optional(), sig: z.string().regex(/^[0-9a-f]{128}$/).optional(),
  }),
  z.strictObject({ ...header, kind: z.literal("close") }),
]);

export type ParsedRecord = { ok: true; record: FlightRecord } | { ok: false; message: string };

/** Checks the shape of a parsed line; the record returned is the input itself. */
export function parseRecord(json: unknown): ParsedRecord {
  const r = recordSchema.safeParse(json);
  if (r.success) return { ok: true, record: json as FlightRecord };
  const first = r.error.issues[0]!;
  return { ok: false, message: `${first.path.join(".") || "record"}: ${first.message}` };
}

const PLACEHOLDER = { seq: 0, ts: 0 };
const HEADER_MEMBERS = Object.keys(PLACEHOLDER);

/** Checks a body before it is appended, so the recorder never writes a record its verifier would call malformed. */
export function checkBody(body: RecordBody): { ok: true } | { ok: false; message: string } {
  for (const k of HEADER_MEMBERS) if (Object.prototype.hasOwnProperty.call(body, k)) return { ok: false, message: `\`${k}\` is set by the recorder, not by the caller` };
  const p = parseRecord({ ...body, ...PLACEHOLDER });
  return p.ok ? { ok: true } : p;
}
