import binaryen from "binaryen";
import { describe, expect, it } from "vitest";
import { compile } from "../../compiler/compile.js";
import { interpret } from "../../compiler/interpret.js";
import { loadPolicy, PolicyLoadError, sha256Hex } from "./load.js";

const SRC = `policy shop {
  on violation deny
  tool buy({ item: string, price: number, tags: string[] max 4 })
  @id("cheap") allow tool buy when args.price <= 100 and not args.item.lower().contains("gun")
  @id("mark") audit tool buy when "gift" in args.tags
  @id("notes") allow fs.write "/mem/**" when args.size < 2000000
}`;

async function built() {
  const r = compile(SRC, { filename: "shop.acp" });
  return { wasm: r.wasm!, manifest: r.manifest!, checked: r.checked! };
}

const code = async (p: Promise<unknown>) => p.then(() => "loaded", (e) => (e instanceof PolicyLoadError ? e.code : String(e)));

describe("loadPolicy", () => {
  it("decides synchronously, with audit ids", async () => {
    const { wasm, manifest } = await built();
    const policy = await loadPolicy(wasm, manifest);
    expect(policy.decide({ agent: {}, syscall: "tool.call", target: "buy", args: { item: "pen", price: 3, tags: ["gift"] } }))
      .toEqual({ effect: "allow", rule: "cheap", audit: ["mark"] });
  });

  it("shares one frozen decision per rule and effect; decisions with audit ids are their own", async () => {
    const { wasm, manifest } = await built();
    const policy = await loadPolicy(wasm, manifest);
    const q = (tags: string[]) => ({ agent: {}, syscall: "tool.call", target: "buy", args: { item: "pen", price: 3, tags } });
    const a = policy.decide(q([])), b = policy.decide(q(["x"]));
    expect(a).toEqual({ effect: "allow", rule: "cheap", audit: [] });
    expect(b).toBe(a);
    expect(Object.isFrozen(a) && Object.isFrozen(a.audit)).toBe(true);
    const marked = policy.decide(q(["gift"]));
    expect(marked).toEqual({ effect: "allow", rule: "cheap", audit: ["mark"] });
    expect(policy.decide(q(["gift"]))).not.toBe(marked);
    const bad = policy.decide({ agent: {}, syscall: "nope", target: "x" });
    expect(bad).toEqual({ effect: "deny", rule: null, audit: [] });
    expect(Object.isFrozen(bad)).toBe(true);
  });

  it("refuses a module whose hash differs from its manifest", async () => {
    const { wasm, manifest } = await built();
    const edited = wasm.slice();
    edited[edited.length - 1] ^= 1;
    expect(await code(loadPolicy(edited, manifest))).toBe("E1001");
  });

  it("refuses a module with an import, even with a matching manifest", async () => {
    const { manifest } = await built();
    const m = new binaryen.Module();
    m.addFunctionImport("host", "env", "host", binaryen.none, binaryen.i32);
    m.addFunction("decide", binaryen.none, binaryen.i32, [], m.call("host", [], binaryen.i32));
    m.addFunctionExport("decide", "decide");
    const wasm = m.emitBinary();
    m.dispose();
    expect(await code(loadPolicy(wasm, { ...manifest, moduleSha256: await sha256Hex(wasm) }))).toBe("E1002");
  });

  it("refuses a module without the ABI exports, and a malformed manifest", async () => {
    const { wasm, manifest } = await built();
    const m = new binaryen.Module();
    m.addFunction("decide", binaryen.none, binaryen.i32, [], m.i32.const(0));
    m.addFunctionExport("decide", "decide");
    const bare = m.emitBinary();
    m.dispose();
    expect(await code(loadPolicy(bare, { ...manifest, moduleSha256: await sha256Hex(bare) }))).toBe("E1003");
    expect(await code(loadPolicy(wasm, { ...manifest, rules: "nope" }))).toBe("E1004");
    expect(await code(loadPolicy(wasm, "{not json"))).toBe("E1004");
  });

  it("refuses a manifest that is not its module's, and never throws on one it cannot tell apart", async () => {
    const { wasm, manifest } = await built();
    const other = compile(`policy other {\n  allow fs.read "/x/**"\n}`, { filename: "other.acp" });
    // A precompiled module is not hashed: its ABI addresses must still be the manifest's.
    expect(await code(loadPolicy(new WebAssembly.Module(wasm), other.manifest!))).toBe("E1004");
    expect(await code(loadPolicy(new WebAssembly.Module(other.wasm!), manifest))).toBe("E1004");
    // A manifest with the module's hash and ABI but fewer rules: the module names a rule it lacks.
    const trimmed = { ...manifest, rules: manifest.rules.filter((r) => r.id !== "notes") };
    const policy = await loadPolicy(wasm, trimmed);
    expect(policy.decide({ agent: {}, syscall: "fs.write", target: "/mem/a", args: { size: 1 } })).toEqual({ effect: "deny", rule: null, audit: [] });
    expect(await code(loadPolicy(null as never, manifest))).toBe("E1005");
  });

  it("decides hostile and huge requests like the interpreter, never throwing", async () => {
    const { wasm, manifest, checked } = await built();
    const policy = await loadPolicy(wasm, manifest);
    const big = "é".repeat(3_000_000);
    const requests: unknown[] = [
      null, 42, "x", {}, { syscall: "tool.call" },
      { agent: { id: 7 }, syscall: "tool.call", target: "buy", args: { item: "pen", price: 1, tags: [] } },
      { agent: { labels: { a: 1 } }, syscall: "tool.call", target: "buy", args: { item: "pen", price: 1, tags: [] } },
      { agent: {}, syscall: "tool.call", target: "buy", args: { item: "pen", price: 1, tags: [], extra: 1 } },
      { agent: {}, syscall: "tool.call", target: "buy", args: { item: "pen", price: Infinity, tags: [] } },
      { agent: {}, syscall: "tool.call", target: "buy", args: { item: "pen", price: 1, tags: ["a", "b", "c", "d", "e"] } },
      { agent: {}, syscall: "tool.call", target: "buy", args: { item: big, price: 1, tags: [big, "gift"] } },
      { agent: { name: big }, syscall: "fs.write", target: "/mem/x", args: { size: 1 } },
      { agent: {}, syscall: "fs.write", target: "/mem/../etc", args: { size: 1 } },
    ];
    for (const q of requests) expect(policy.decide(q)).toEqual(interpret(checked, q));
    // After growing memory for a huge request, small ones still decide right.
    expect(policy.decide({ agent: {}, syscall: "tool.call", target: "buy", args: { item: "pen", price: 3, tags: [] } }).effect).toBe("allow");
  });
});
