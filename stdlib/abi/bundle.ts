// A policy bundle (`acp-bundle/1`): one file that carries a compiled policy and who made it. The
// first line is the header, canonical JSON (keys sorted, no whitespace): the manifest, the
// module's SHA-256 and length, the source's SHA-256, the compiler's version and, when signed, the
// signer's key id and an ed25519 signature; then the module's bytes. The signature covers
// "acp-bundle/1 signature\0", the header without `sig` (canonical JSON), a newline and the module:
// a single changed byte anywhere, the header's or the module's, fails the check (a header that is
// not byte for byte its canonical form is refused before that).
import * as crypto from "node:crypto";
import { KeyError, privateKeyOf, publicKeyOf, type PublicKey } from "../keys.js";

export const BUNDLE_FORMAT = "acp-bundle/1";

export interface BundleHeader {
  format: typeof BUNDLE_FORMAT;
  manifest: unknown;
  moduleSha256: string;
  moduleBytes: number;
  sourceSha256: string;
  compiler: string;
  kid?: string;
  sig?: string;
}

export type BundleErrorCode =
  /** Not a bundle, or a malformed one (header, lengths, digests). */
  | "E1010"
  /** Keys to trust were given and the bundle is not signed. */
  | "E1011"
  /** Signed by a key that is not among those trusted. */
  | "E1012"
  /** The signature does not verify: a byte of the bundle changed, or it was not made by that key. */
  | "E1013";

export class BundleError extends Error {
  constructor(readonly code: BundleErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export interface BundleInput {
  wasm: Uint8Array;
  manifest: unknown;
  source: string;
  compiler: string;
  /** An ed25519 private key (PEM or KeyObject): the bundle is signed with it. */
  signKey?: string | crypto.KeyObject;
}

/** The bundle's bytes. */
export function writeBundle(input: BundleInput): Uint8Array {
  const header: BundleHeader = {
    format: BUNDLE_FORMAT, manifest: input.manifest, moduleSha256: sha256(input.wasm), moduleBytes: input.wasm.length,
    sourceSha256: sha256(Buffer.from(input.source, "utf8")), compiler: input.compiler,
  };
  if (input.signKey !== undefined) {
    const key = privateKeyOf(input.signKey, "bundle signatures");
    header.kid = key.kid;
    header.sig = crypto.sign(null, signed(header, input.wasm), key.privateKey).toString("hex");
  }
  return Buffer.concat([Buffer.from(canonical(header) + "\n", "utf8"), input.wasm]);
}

/** Whether `bytes` look like a bundle rather than a bare module (which starts with `\0asm`). */
export function isBundle(bytes: Uint8Array): boolean {
  return bytes.length > 0 && bytes[0] === 0x7b;
}

export interface ReadBundleOptions {
  /** Public keys (PEM or KeyObject) a bundle must be signed by; absent, any bundle is read, signed
   * or not (a signature present is still checked against the key it names only if that key is given). */
  trustedKeys?: readonly (string | crypto.KeyObject)[];
}

export interface Bundle {
  header: BundleHeader;
  wasm: Uint8Array;
  /** The key that signed it, when it is signed and that key was trusted. */
  signedBy: string | null;
}

/** Reads and checks a bundle; BundleError when it is malformed, unsigned or wrongly signed where trust was asked. */
export function readBundle(bytes: Uint8Array, opts: ReadBundleOptions = {}): Bundle {
  if (!ArrayBuffer.isView(bytes)) throw new BundleError("E1010", "a bundle is bytes");
  const nl = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).indexOf(0x0a);
  if (!isBundle(bytes) || nl < 0) throw new BundleError("E1010", `not an ${BUNDLE_FORMAT} bundle: it does not start with a header line`);
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, nl).toString("utf8");
  let header: BundleHeader;
  try { header = JSON.parse(text) as BundleHeader; } catch (e) { throw new BundleError("E1010", `the bundle's header is not JSON: ${(e as Error).message}`); }
  if (typeof header !== "object" || header === null || Array.isArray(header)) throw new BundleError("E1010", "the bundle's header is not an object");
  if (header.format !== BUNDLE_FORMAT) throw new BundleError("E1010", `not an ${BUNDLE_FORMAT} bundle (format ${JSON.stringify(header.format)})`);
  const known = new Set(["format", "manifest", "moduleSha256", "moduleBytes", "sourceSha256", "compiler", "kid", "sig"]);
  for (const k of Object.keys(header)) if (!known.has(k)) throw new BundleError("E1010", `the bundle's header has an unknown member \`${k}\``);
  for (const k of ["moduleSha256", "sourceSha256"] as const) if (typeof header[k] !== "string" || !/^[0-9a-f]{64}$/.test(header[k])) throw new BundleError("E1010", `the bundle's ${k} is not a SHA-256 in hex`);
  if (typeof header.compiler !== "string" || !Number.isSafeInteger(header.moduleBytes) || header.moduleBytes < 0) throw new BundleError("E1010", "the bundle's header lacks the compiler's version or the module's length");
  if ((header.kid === undefined) !== (header.sig === undefined) || (header.kid !== undefined && (typeof header.kid !== "string" || typeof header.sig !== "string" || !/^[0-9a-f]{128}$/.test(header.sig)))) {
    throw new BundleError("E1010", "the bundle's header must have both kid and sig (a 64-byte signature in hex), or neither");
  }
  if (canonical(header) !== text) throw new BundleError("E1010", "the bundle's header is not in its canonical form (it was edited)");
  const wasm = bytes.subarray(nl + 1);
  if (wasm.length !== header.moduleBytes) throw new BundleError("E1010", `the bundle holds ${wasm.length} module bytes, its header says ${header.moduleBytes} (it was cut or extended)`);
  const digest = sha256(wasm);
  const trusted = opts.trustedKeys === undefined ? null : opts.trustedKeys.map((k) => trustOf(k));
  let signedBy: string | null = null;
  if (header.sig !== undefined) {
    const key = trusted?.find((k) => k.kid === header.kid);
    if (trusted !== null && key === undefined) throw new BundleError("E1012", `the bundle is signed by key ${header.kid}, which is not trusted (trusted: ${trusted.map((k) => k.kid).join(", ") || "none"})`);
    if (key !== undefined) {
      if (!crypto.verify(null, signed(header, wasm), key.publicKey, Buffer.from(header.sig, "hex"))) throw new BundleError("E1013", `the bundle's signature by key ${header.kid} does not verify: the bundle was changed after it was signed`);
      signedBy = key.kid;
    }
  } else if (trusted !== null) throw new BundleError("E1011", "the bundle is not signed, and only bundles signed by a trusted key are accepted");
  if (digest !== header.moduleSha256) throw new BundleError("E1010", `the bundle's module has SHA-256 ${digest}, its header says ${header.moduleSha256}`);
  return { header, wasm, signedBy };
}

function trustOf(k: string | crypto.KeyObject): PublicKey {
  try { return publicKeyOf(k); } catch (e) { throw new BundleError("E1012", `a trusted key is not an ed25519 public key: ${(e as KeyError).message}`, { cause: e }); }
}

/** What the signature covers. */
function signed(header: BundleHeader, wasm: Uint8Array): Buffer {
  const { sig: _sig, ...unsigned } = header;
  return Buffer.concat([Buffer.from(`${BUNDLE_FORMAT} signature\0${canonical(unsigned)}\n`, "utf8"), wasm]);
}

const sha256 = (b: Uint8Array): string => crypto.createHash("sha256").update(b).digest("hex");

/** Canonical JSON: keys sorted by UTF-16 code units, no whitespace (manifests are plain JSON). */
export function canonical(v: unknown): string {
  if (v === null || typeof v !== "object") {
    if (typeof v === "number" && !Number.isFinite(v)) throw new BundleError("E1010", "a bundle's header holds only finite numbers");
    const s = JSON.stringify(v);
    if (s === undefined) throw new BundleError("E1010", `a bundle's header cannot hold ${typeof v}`);
    return s;
  }
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  const keys = Object.keys(v).filter((k) => (v as Record<string, unknown>)[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(",")}}`;
}
