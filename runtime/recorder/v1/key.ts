// The secret the first log format's seals were made with (HMAC-SHA256). A key file is JSON:
// {"id": "k1", "secret": "<hex, at least 16 bytes>"}. Logs of the current format are signed with
// ed25519 instead (sign-key.ts); this is only for verifying old ones.
import * as crypto from "node:crypto";
import { z } from "zod";

export interface RecorderKey {
  id: string;
  secret: Uint8Array;
}

const keyFile = z.object({
  id: z.string().min(1),
  secret: z.string().regex(/^([0-9a-fA-F]{2}){16,}$/, "must be at least 16 bytes of hex"),
});

export function parseRecorderKey(text: string): { ok: true; key: RecorderKey } | { ok: false; message: string } {
  let json: unknown;
  try { json = JSON.parse(text); } catch (e) { return { ok: false, message: `key file is not JSON: ${(e as Error).message}` }; }
  const r = keyFile.safeParse(json);
  if (!r.success) {
    const first = r.error.issues[0]!;
    return { ok: false, message: `key file field \`${first.path.join(".")}\`: ${first.message}` };
  }
  const hex = r.data.secret;
  const secret = new Uint8Array(hex.length / 2);
  for (let i = 0; i < secret.length; i++) secret[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return { ok: true, key: { id: r.data.id, secret } };
}

export const hmacSha256Hex = (secret: Uint8Array, text: string): string => crypto.createHmac("sha256", secret).update(text, "utf8").digest("hex");
