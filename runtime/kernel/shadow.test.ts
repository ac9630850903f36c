// Shadow mode: a candidate policy decides every syscall beside the enforcing one, never takes
// effect, and each disagreement is in the tamper-evident log.
import { afterEach, describe, expect, it } from "vitest";
import { compile } from "../../compiler/compile.js";
import { loadPolicy } from "../policy/load.js";
import { verify } from "../recorder/verify.js";
import { Kernel } from "./create.js";

const shop = (limit: number) => `policy shop {
  on violation deny
  type Buy = { amount: number }
  tool buy(Buy)
  @id("cheap") allow tool buy when args.amount <= ${limit}
  @id("dear") deny tool buy when args.amount > ${limit}
  @id("read") allow fs.read "/mem/**"
}`;
const policy = async (source: string) => { const r = compile(source, { filename: "shop.acp" }); return loadPolicy(r.wasm!, r.manifest!); };

const kernels: Kernel[] = [];
afterEach(async () => { for (const k of kernels.splice(0)) await k.shutdown(); });

describe("shadow mode", () => {
  it("records the candidate's decision beside the enforcing one where they differ, and only the enforcing one takes effect", async () => {
    const k = await Kernel.create({ policy: await policy(shop(100)), shadow: await policy(shop(200)), tools: { buy: { run: async (a: { amount: number }) => `bought ${a.amount}` } } });
    kernels.push(k);
    await k.vfs.write("/mem/working/list", "pens");
    const exit = await k.run({ name: "buyer", source: `export default async function main() {
      const out = [await sys.fs.read("/mem/working/list")];
      for (const amount of [50, 150, 150, 250]) out.push(await sys.tool("buy", { amount }).catch((e) => e.code));
      return out;
    }` });
    // The enforcing policy decided: 150 is refused though the candidate would allow it.
    expect(exit.result).toEqual(["pens", "bought 50", "EPERM", "EPERM", "EPERM"]);
    const buys = k.recorder.records().filter((r) => r.kind === "syscall" && r.syscall === "tool.call") as unknown as { effect: string; rule: string; shadow?: { effect: string; rule: string | null }; args: { amount: number } }[];
    expect(buys.map((b) => [b.args.amount, b.effect, b.rule, b.shadow ?? null])).toEqual([
      [50, "allow", "cheap", null],
      [150, "deny", "dear", { effect: "allow", rule: "cheap" }],
      [150, "deny", "dear", { effect: "allow", rule: "cheap" }],
      [250, "deny", "dear", null],
    ]);
    expect(k.recorder.records().filter((r) => r.kind === "syscall" && "shadow" in r)).toHaveLength(2);
    expect(k.shadowCounts()).toEqual([{ syscall: "tool.call", from: { effect: "deny", rule: "dear" }, to: { effect: "allow", rule: "cheap" }, count: 2 }]);
    await k.recorder.seal();
    expect(verify(k.recorder.lines(), { live: true }).ok).toBe(true);
  });

  it("takes a bundle as its candidate, held to the trusted keys", async () => {
    const r = compile(shop(200), { filename: "shop.acp" });
    const { writeBundle } = await import("../../stdlib/abi/bundle.js");
    const { generateKeyPair } = await import("../../stdlib/keys.js");
    const key = generateKeyPair(), other = generateKeyPair();
    const enforcing = compile(shop(100), { filename: "shop.acp" });
    const signed = (k: string) => writeBundle({ wasm: r.wasm!, manifest: r.manifest, source: shop(200), compiler: "test", signKey: k });
    const mine = writeBundle({ wasm: enforcing.wasm!, manifest: enforcing.manifest, source: shop(100), compiler: "test", signKey: key.privatePem });
    await expect(Kernel.create({ policy: mine, shadow: signed(other.privatePem), trustedKeys: [key.publicPem] })).rejects.toMatchObject({ code: "E1012" });
    const k = await Kernel.create({ policy: mine, shadow: signed(key.privatePem), trustedKeys: [key.publicPem] });
    kernels.push(k);
    expect(k.policy.bundle?.signedBy).toBe(key.kid);
  });
});
