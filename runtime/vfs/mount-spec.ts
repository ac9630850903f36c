// Mount specs arrive from embedders' config and `acpc run --mount` as plain JSON-ish objects; the
// schema turns them into typed specs once, with a message that names the mount and the field.
import path from "node:path";
import { z } from "zod";
import { isBackend, type Backend } from "./backend.js";
import { VfsError } from "./errors.js";
import { HostDirBackend } from "./host-dir-backend.js";
import { MemoryBackend } from "./memory-backend.js";

const byteCount = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

export const mountSpecSchema = z.discriminatedUnion("type", [
  z.strictObject({
    type: z.literal("memory"),
    maxBytes: byteCount.optional(),
    maxFileBytes: byteCount.optional(),
  }),
  z.strictObject({
    type: z.literal("dir"),
    path: z.string().min(1),
    readOnly: z.boolean().optional(),
    maxFileBytes: byteCount.optional(),
    maxBytes: byteCount.optional(),
    durable: z.boolean().optional(),
  }),
]);

export type MountSpec = z.infer<typeof mountSpecSchema>;

/** EINVAL naming the mount point and every offending field. */
export function parseMountSpec(point: string, spec: unknown): MountSpec {
  const r = mountSpecSchema.safeParse(spec);
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => `${i.path.length > 0 ? i.path.join(".") : "spec"}: ${i.message}`);
  throw new VfsError("EINVAL", point, `invalid mount spec: ${issues.join("; ")}`);
}

/** A backend as given, or one built from a spec; a `dir` path resolves against `baseDir`. */
export async function backendFor(point: string, spec: unknown, baseDir: string): Promise<Backend> {
  if (isBackend(spec)) return spec;
  const s = parseMountSpec(point, spec);
  if (s.type === "memory") return new MemoryBackend({ maxBytes: s.maxBytes, maxFileBytes: s.maxFileBytes });
  try {
    return await HostDirBackend.open(path.resolve(baseDir, s.path), { readOnly: s.readOnly, maxFileBytes: s.maxFileBytes, maxBytes: s.maxBytes, durable: s.durable });
  } catch (e) {
    // The host path is the operator's own config, so it may appear here; it never reaches an agent.
    throw e instanceof VfsError ? new VfsError(e.code, point, `${e.detail} (host directory ${JSON.stringify(s.path)})`, { cause: e }) : e;
  }
}
