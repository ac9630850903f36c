// kernel.reload: a live kernel takes a new signed policy between two syscalls; its agents keep
// running, and the log says from where on the new one decided.
import { afterEach, describe, expect, it } from "vitest";
import { compile } from "../../compiler/compile.js";
import { writeBundle } from "../../stdlib/abi/bundle.js";
import { generateKeyPair } from "../../stdlib/keys.js";
import { verify } from "../recorder/verify.js";
import { Kernel } from "./create.js";

const shop = (limit: number, name = "shop", extra = "") => `policy ${name} {
  on violation kill
  type Buy = { amount: number }
  tool buy(Buy)
  allow tool buy when args.amount <= ${limit}
  deny tool buy when args.amount > ${limit}
  allow fs.read "/mem/**"
  allow fs.read "/policy/**"
  ${extra}
}`;
const signer = generateKeyPair(), stranger = generateKeyPair();
function bundle(source: string, key: string | null = signer.privatePem): Uint8Array {
  const r = compile(source, { filename: "shop.acp" });
  if (!r.wasm || !r.manifest) throw new Error(r.diagnostics.map((d) => d.message).join("; "));
  return writeBundle({ wasm: r.wasm, manifest: r.manifest, source, compiler: "acpc test", signKey: key ?? undefined });
}

const kernels: Kernel[] = [];
afterEach(async () => { for (const k of kernels.splice(0)) await k.shutdown(); });

async function kernel(): Promise<Kernel> {
  const k = await Kernel.create({ policy: bundle(shop(100)), trustedKeys: [signer.publicPem], policySource: shop(100), tools: { buy: { run: async () => "bought" } } });
  kernels.push(k);
  return k;
}

describe("kernel.reload", () => {
  it("swaps the policy of a live kernel between syscalls: the running agent goes on and is decided by the new one", async () => {
    const k = await kernel();
    const buyer = await k.spawn({ name: "buyer", source: `export default async function main() {
      for (let tries = 1; ; tries++) {
        try { await sys.tool("buy", { amount: 150 }); return tries; } catch (e) { if (e.code !== "EPERM") throw e; }
        await sys.fs.read("/policy/manifest.json");
      }
    }` });
    // Denied for a while under the first policy.
    while (buyer.syscallCount < 20) await new Promise((r) => setTimeout(r, 5));
    const next = await k.reload(bundle(shop(200)), { policySource: shop(200) });
    const exit = await buyer.wait();
    expect(exit).toMatchObject({ status: "exited" });
    expect(exit.result).toBeGreaterThan(5);
    expect(k.policy).toBe(next);
    expect(k.policy.bundle).toMatchObject({ signedBy: signer.kid });
    // What /policy shows is the policy that decides.
    expect(JSON.parse(await k.vfs.read("/policy/manifest.json")).sourceSha256).toBe(next.manifest.sourceSha256);
    expect(await k.vfs.read("/policy/shop.acp")).toBe(shop(200));

    // The log: denials, then the policy record naming the new source, then the allowed call.
    await k.recorder.seal();
    const records = k.recorder.records() as unknown as { kind: string; seq: number; syscall?: string; effect?: string; policyHash?: string; target?: string }[];
    const reload = records.find((r) => r.kind === "policy")!;
    expect(reload.policyHash).toBe(next.manifest.sourceSha256);
    const buys = records.filter((r) => r.kind === "syscall" && r.syscall === "tool.call");
    expect(buys.filter((r) => r.seq < reload.seq).every((r) => r.effect === "deny")).toBe(true);
    expect(buys.at(-1)).toMatchObject({ effect: "allow" });
    expect(buys.at(-1)!.seq).toBeGreaterThan(reload.seq);
    expect(verify(k.recorder.lines(), { live: true }).ok).toBe(true);
  });

  it("refuses a bundle it may not trust or a policy it cannot swap in, and keeps deciding with the one it has", async () => {
    const k = await kernel();
    const before = k.policy;
    await expect(k.reload(bundle(shop(200), null))).rejects.toMatchObject({ code: "E1011" });
    await expect(k.reload(bundle(shop(200), stranger.privatePem))).rejects.toMatchObject({ code: "E1012" });
    const flipped = Uint8Array.from(bundle(shop(200)));
    flipped[flipped.length - 10] ^= 0x20;
    await expect(k.reload(flipped)).rejects.toMatchObject({ code: expect.stringMatching(/^E101[03]$/) });
    await expect(k.reload(bundle(shop(200, "other")))).rejects.toMatchObject({ code: "E1014" });
    await expect(k.reload(bundle(shop(200, "shop", "type N = { n: number }\n  pipe p: a -> b carries N capacity 4")))).rejects.toMatchObject({ code: "E1014" });
    expect(k.policy).toBe(before);
    expect(k.recorder.records().some((r) => r.kind === "policy")).toBe(false);
    const exit = await k.run({ name: "buyer", source: `export default async function main() { try { await sys.tool("buy", { amount: 150 }); return "bought"; } catch (e) { return e.code; } }` });
    expect(exit.result).toBe("EPERM");
  });

  it("loads a bundle at create only if a trusted key signed it", async () => {
    await expect(Kernel.create({ policy: bundle(shop(100), stranger.privatePem), trustedKeys: [signer.publicPem] })).rejects.toMatchObject({ code: "E1012" });
    await expect(Kernel.create({ policy: bundle(shop(100), null), trustedKeys: [signer.publicPem] })).rejects.toMatchObject({ code: "E1011" });
  });
});
