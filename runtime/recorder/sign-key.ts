// The ed25519 keys seals are signed with (node:crypto). Key files are PEM: the private key PKCS#8
// (`acpc keygen` writes it 0600), the public key SPKI. A key's id (`kid`) is the first 16 hex
// digits of SHA-256 over its 32 raw public-key bytes, so a log names the key without holding it.
import type * as crypto from "node:crypto";
import * as nodeCrypto from "node:crypto";
import { KeyError, privateKeyOf, publicKeyOf, type PrivateKey, type PublicKey } from "../../stdlib/keys.js";
import { RecorderError } from "./recorder-error.js";

export { generateKeyPair, keyId } from "../../stdlib/keys.js";

export type SignKey = PrivateKey;
export type TrustedKey = PublicKey;

/** A private key from PEM text or a KeyObject; RecorderError EKEY when it is not an ed25519 private key. */
export function signKey(key: string | crypto.KeyObject): SignKey {
  try { return privateKeyOf(key, "seals"); } catch (e) { throw asRecorderError(e); }
}

/** A public key (PEM or KeyObject) to check signatures with; a private key gives its public half. */
export function trustedKey(key: string | crypto.KeyObject): TrustedKey {
  try { return publicKeyOf(key); } catch (e) { throw asRecorderError(e); }
}

function asRecorderError(e: unknown): unknown {
  return e instanceof KeyError ? new RecorderError("EKEY", e.message, { cause: e.cause }) : e;
}

/** What a seal's signature covers: size as a u64 big-endian, then root and hash (32 bytes each). */
export function signedHead(size: number, rootHex: string, hashHex: string): Buffer {
  const msg = Buffer.alloc(72);
  msg.writeBigUInt64BE(BigInt(size), 0);
  msg.write(rootHex, 8, 32, "hex");
  msg.write(hashHex, 40, 32, "hex");
  return msg;
}

export function signHead(key: SignKey, size: number, rootHex: string, hashHex: string): string {
  return nodeCrypto.sign(null, signedHead(size, rootHex, hashHex), key.privateKey).toString("hex");
}

export function verifyHeadSignature(key: TrustedKey, size: number, rootHex: string, hashHex: string, sigHex: string): boolean {
  if (!/^[0-9a-f]{128}$/.test(sigHex)) return false;
  return nodeCrypto.verify(null, signedHead(size, rootHex, hashHex), key.publicKey, Buffer.from(sigHex, "hex"));
}
