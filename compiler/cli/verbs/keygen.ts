// `acpc keygen -o NAME`: an ed25519 key pair for signing (flight-log seals; policy bundles):
// NAME.pem, the private key (PKCS#8, mode 0600), and NAME.pub, the public key (SPKI) to give
// whoever verifies. Prints the key id that signatures name.
import { existsSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { generateKeyPair } from "../../../stdlib/keys.js";
import { EXIT, UsageError, checkFlags, parseArgs, type Io } from "../io.js";

export function keygenVerb(argv: string[], io: Io): number {
  const args = parseArgs(argv, ["-o"]);
  checkFlags(args, ["-o", "--force", "--json"]);
  const out = args.flags.get("-o");
  if (typeof out !== "string" || args.positional.length) throw new UsageError("usage: acpc keygen -o NAME [--force]   (writes NAME.pem and NAME.pub)");
  const priv = resolve(io.cwd, `${out}.pem`), pub = resolve(io.cwd, `${out}.pub`);
  if (!args.flags.has("--force")) for (const p of [priv, pub]) if (existsSync(p)) throw new UsageError(`${p} exists (give --force to replace it)`);
  const k = generateKeyPair();
  try {
    writeFileSync(priv, k.privatePem, { mode: 0o600 });
    writeFileSync(pub, k.publicPem);
  } catch (e) {
    throw new UsageError(`cannot write the key: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  io.out(args.flags.has("--json") ? JSON.stringify({ ok: true, kid: k.kid, privateKey: `${out}.pem`, publicKey: `${out}.pub` }) : `key ${k.kid}: ${out}.pem (private, keep it), ${out}.pub (public, for verifiers)`);
  return EXIT.ok;
}
