// Policy bundles: one file with the module, its manifest and a signature; refused unsigned, signed
// by another key, or with any one byte changed, wherever loaded with keys to trust.
import { describe, expect, it } from "vitest";
import { compile } from "../../compiler/compile.js";
import { loadPolicy, PolicyLoadError } from "./load.js";
import { generateKeyPair } from "../../stdlib/keys.js";
import { BundleError, readBundle, writeBundle } from "../../stdlib/abi/bundle.js";

const SOURCE = `policy shop {
  type Buy = { amount: number }
  tool buy(Buy)
  allow tool buy when args.amount <= 100
  allow fs.read "/mem/**"
}`;
const compiled = compile(SOURCE, { filename: "shop.acp" });
const signer = generateKeyPair(), other = generateKeyPair();
const bundle = (key?: string) => writeBundle({ wasm: compiled.wasm!, manifest: compiled.manifest, source: SOURCE, compiler: "acpc test", signKey: key });
const buy = (amount: number) => ({ agent: { id: "a", name: "a", role: "", tenant: "" }, syscall: "tool.call", target: "buy", args: { amount } });

const codeOf = (f: () => unknown): string => {
  try { f(); } catch (e) { if (e instanceof BundleError) return e.code; throw e; }
  return "accepted";
};

describe("policy bundles", () => {
  it("hold the module, its manifest and who signed them; loadPolicy decides with them as with the module", async () => {
    const bytes = bundle(signer.privatePem);
    const b = readBundle(bytes, { trustedKeys: [signer.publicPem] });
    expect(b.signedBy).toBe(signer.kid);
    expect(b.header).toMatchObject({ format: "acp-bundle/1", kid: signer.kid, compiler: "acpc test", moduleSha256: compiled.manifest!.moduleSha256, moduleBytes: compiled.wasm!.length });
    expect(Buffer.from(b.wasm).equals(Buffer.from(compiled.wasm!))).toBe(true);
    const fromBundle = await loadPolicy(bytes, undefined, { trustedKeys: [signer.publicPem] });
    const fromModule = await loadPolicy(compiled.wasm!, compiled.manifest);
    for (const amount of [1, 100, 101, 1e9]) expect(fromBundle.decide(buy(amount))).toEqual(fromModule.decide(buy(amount)));
    expect(fromBundle.decide(buy(101)).effect).not.toBe("allow");
    expect(fromBundle.bundle).toMatchObject({ signedBy: signer.kid, kid: signer.kid, compiler: "acpc test" });
    // Without keys to trust, any well-formed bundle loads (nobody asked who made it).
    expect((await loadPolicy(bundle())).bundle).toMatchObject({ signedBy: null, kid: null });
  });

  it("refuses an unsigned bundle, another key's, and a module with a manifest, when keys are to be trusted", async () => {
    expect(codeOf(() => readBundle(bundle(), { trustedKeys: [signer.publicPem] }))).toBe("E1011");
    expect(codeOf(() => readBundle(bundle(other.privatePem), { trustedKeys: [signer.publicPem] }))).toBe("E1012");
    expect(codeOf(() => readBundle(bundle(other.privatePem), { trustedKeys: [signer.publicPem, other.publicPem] }))).toBe("accepted");
    await expect(loadPolicy(compiled.wasm!, compiled.manifest, { trustedKeys: [signer.publicPem] })).rejects.toMatchObject({ code: "E1011" });
    await expect(loadPolicy(bundle(other.privatePem), undefined, { trustedKeys: [signer.publicPem] })).rejects.toBeInstanceOf(PolicyLoadError);
    await expect(loadPolicy(bundle(), compiled.manifest)).rejects.toMatchObject({ code: "E1010" });
  });

  it("refuses the bundle with any one byte changed, anywhere in it", () => {
    const bytes = bundle(signer.privatePem);
    const codes = new Map<string, number>();
    for (let i = 0; i < bytes.length; i++) {
      const flipped = Uint8Array.from(bytes);
      flipped[i] ^= 1 << (i % 8);
      const code = codeOf(() => readBundle(flipped, { trustedKeys: [signer.publicPem] }));
      codes.set(code, (codes.get(code) ?? 0) + 1);
      if (code === "accepted") throw new Error(`byte ${i} changed and the bundle still loaded`);
    }
    expect([...codes.keys()].sort()).toEqual(expect.arrayContaining(["E1010", "E1013"]));
    // Cut short or extended, too.
    expect(codeOf(() => readBundle(bytes.subarray(0, bytes.length - 1), { trustedKeys: [signer.publicPem] }))).toBe("E1010");
    expect(codeOf(() => readBundle(Buffer.concat([bytes, Buffer.of(0)]), { trustedKeys: [signer.publicPem] }))).toBe("E1010");
    expect(codeOf(() => readBundle(compiled.wasm!))).toBe("E1010");
  });
});
