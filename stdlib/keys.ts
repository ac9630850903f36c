// ed25519 keys (node:crypto), shared by what signs (flight-log seals, policy bundles) and what
// verifies. Key files are PEM: the private key PKCS#8 (`acpc keygen` writes it 0600), the public
// key SPKI. A key's id (`kid`) is the first 16 hex digits of SHA-256 over its 32 raw public-key
// bytes, so a signature names its key without holding it.
import * as crypto from "node:crypto";

/** A key that is not what it must be: `message` says why. */
export class KeyError extends Error {
  readonly code = "EKEY";
}

export interface PrivateKey {
  kid: string;
  privateKey: crypto.KeyObject;
  publicKey: crypto.KeyObject;
}

export interface PublicKey {
  kid: string;
  publicKey: crypto.KeyObject;
}

/** An ed25519 private key from PEM text or a KeyObject. */
export function privateKeyOf(key: string | crypto.KeyObject, use = "signatures"): PrivateKey {
  let privateKey: crypto.KeyObject;
  try { privateKey = typeof key === "string" ? crypto.createPrivateKey(key) : key; } catch (e) {
    throw new KeyError(`not a private key: ${(e as Error).message}`, { cause: e });
  }
  if (privateKey.type !== "private" || privateKey.asymmetricKeyType !== "ed25519") {
    throw new KeyError(`${use} are made with an ed25519 private key, not a ${privateKey.asymmetricKeyType ?? privateKey.type} ${privateKey.type} key`);
  }
  const publicKey = crypto.createPublicKey(privateKey);
  return { kid: keyId(publicKey), privateKey, publicKey };
}

/** A public key (PEM or KeyObject) to check signatures with; a private key gives its public half. */
export function publicKeyOf(key: string | crypto.KeyObject): PublicKey {
  let k: crypto.KeyObject;
  try { k = typeof key === "string" ? crypto.createPublicKey(key) : key.type === "private" ? crypto.createPublicKey(key) : key; } catch (e) {
    throw new KeyError(`not a public key: ${(e as Error).message}`, { cause: e });
  }
  if (k.asymmetricKeyType !== "ed25519") throw new KeyError(`signatures are ed25519, not ${k.asymmetricKeyType}`);
  return { kid: keyId(k), publicKey: k };
}

export function keyId(publicKey: crypto.KeyObject): string {
  const der = publicKey.export({ type: "spki", format: "der" });
  // An ed25519 SPKI DER ends with the 32 raw public-key bytes.
  return crypto.createHash("sha256").update(der.subarray(der.length - 32)).digest("hex").slice(0, 16);
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
