// The manifest arrives from disk or the network: parse it once, at the edge, into the typed Manifest.
import { z } from "zod";
import { AGENT_READS, SYSCALLS, type Manifest, type TypeDesc } from "./types.js";

const typeDesc: z.ZodType<TypeDesc> = z.lazy(() =>
  z.union([
    z.object({ t: z.literal("number") }),
    z.object({ t: z.literal("string") }),
    z.object({ t: z.literal("bool") }),
    z.object({ t: z.literal("enum"), values: z.array(z.string()) }),
    z.object({ t: z.literal("record"), fields: z.array(z.object({ name: z.string(), optional: z.boolean(), type: typeDesc })) }),
    z.object({ t: z.literal("array"), elem: typeDesc, max: z.number().int().nonnegative().nullable() }),
  ]),
);
const span = z.object({ line: z.number(), col: z.number(), endLine: z.number(), endCol: z.number() });
const effect = z.enum(["allow", "deny", "kill", "stop", "audit"]);

export const manifestSchema = z.object({
  format: z.literal("acp-manifest/1"),
  policy: z.string(),
  version: z.string().nullable(),
  file: z.string(),
  onViolation: z.enum(["kill", "deny", "stop"]),
  sourceSha256: z.string().regex(/^[0-9a-f]{64}$/),
  moduleSha256: z.string().regex(/^[0-9a-f]{64}$/),
  rules: z.array(z.object({ index: z.number().int(), id: z.string(), effect, target: z.string(), span })),
  types: z.record(z.string(), typeDesc),
  tools: z.array(z.object({ name: z.string(), param: typeDesc })),
  pipes: z.array(z.object({ name: z.string(), from: z.string(), to: z.string(), carries: typeDesc, capacity: z.number().int().positive() })),
  limits: z.array(z.object({
    target: z.string(), syscall: z.union([z.enum(SYSCALLS), z.literal("*")]), name: z.string().nullable(),
    count: z.number().int().positive(), window: z.string(), windowMs: z.number().positive(),
  })),
  asserts: z.array(z.object({ target: z.string(), span })),
  costBound: z.object({ steps: z.number(), perSyscall: z.record(z.string(), z.number()) }),
  abi: z.object({ version: z.literal(1), reqBase: z.number().int().nonnegative(), auditBase: z.number().int().nonnegative(), agentReads: z.array(z.enum(AGENT_READS)).optional() }),
});

export function parseManifest(json: unknown): { ok: true; manifest: Manifest } | { ok: false; message: string } {
  const r = manifestSchema.safeParse(json);
  if (r.success) return { ok: true, manifest: r.data as Manifest };
  const first = r.error.issues[0]!;
  return { ok: false, message: `manifest.${first.path.join(".")}: ${first.message}` };
}
