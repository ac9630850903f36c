// The ed25519 keys seals are signed with (node:crypto). Key files are PEM: the private key PKCS#8
// (`acpc keygen` writes it 0600), the public key SPKI. A key's id (`kid`) is the first 16 hex
// digits of SHA-256 over its 32 raw public-key bytes, so a log names the key without holding it.
import * as crypto from "node:crypto";
import { RecorderError } from "./recorder-error.js";

export interface SignKey {
  kid: string;
  privateKey: crypto.KeyObject;
  publicKey: crypto.KeyObject;
}

export interface TrustedKey {
  kid: string;
  publicKey: crypto.KeyObject;
}

/** A private key from PEM text or a KeyObject; RecorderError EKEY when it is not an ed25519 private key. */
export function signKey(key: string | crypto.KeyObject): SignKey {
  let privateKey: crypto.KeyObject;
  try { privateKey = typeof key === "string" ? crypto.createPrivateKey(key) : key; } catch (e) {
    throw new RecorderError("EKEY", `not a private key: ${(e as Error).message}`, { cause: e });
  }
  if (privateKey.type !== "private" || privateKey.asymmetricKeyType !== "ed25519") {
    throw new RecorderError("EKEY", `seals are signed with an ed25519 private key, not a ${privateKey.asymmetricKeyType ?? privateKey.type} ${privateKey.type} key`);
  }
  const publicKey = crypto.createPublicKey(privateKey);
  return { kid: keyId(publicKey), privateKey, publicKey };
}

/** A public key (PEM or KeyObject) to check signatures with; a private key gives its public half. */
export function trustedKey(key: string | crypto.KeyObject): TrustedKey {
  let k: crypto.KeyObject;
  try { k = typeof key === "string" ? crypto.createPublicKey(key) : key.type === "private" ? crypto.createPublicKey(key) : key; } catch (e) {
    throw new RecorderError("EKEY", `not a public key: ${(e as Error).message}`, { cause: e });
  }
  if (k.asymmetricKeyType !== "ed25519") throw new RecorderError("EKEY", `signatures are ed25519, not ${k.asymmetricKeyType}`);
  return { kid: keyId(k), publicKey: k };
}

export function keyId(publicKey: crypto.KeyObject): string {
  const raw = rawPublicKey(publicKey);
  return crypto.createHash("sha256").update(raw).digest("hex").slice(0, 16);
}

/** The 32 raw bytes of an ed25519 public key (its SPKI DER ends with them). */
function rawPublicKey(k: crypto.KeyObject): Buffer {
  const der = k.export({ type: "spki", format: "der" });
  return der.subarray(der.length - 32);
}

/** A new key pair, as PEM. */
export function generateKeyPair(): { privatePem: string; publicPem: string; kid: string } {
  const { privateKey, publicKey } = crypto.generateKeyPairSync("ed25519");
  return {
    privatePem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    publicPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
    kid: keyId(publicKey),
  };
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
  return crypto.sign(null, signedHead(size, rootHex, hashHex), key.privateKey).toString("hex");
}

export function verifyHeadSignature(key: TrustedKey, size: number, rootHex: string, hashHex: string, sigHex: string): boolean {
  if (!/^[0-9a-f]{128}$/.test(sigHex)) return false;
  return crypto.verify(null, signedHead(size, rootHex, hashHex), key.publicKey, Buffer.from(sigHex, "hex"));
}
