import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { main } from "./main.js";
import type { Io } from "./io.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");

function run(argv: string[], cwd: string): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [], err: string[] = [];
  const io: Io = { out: (s) => out.push(s), err: (s) => err.push(s), color: false, cwd };
  return main(argv, io).then((code) => ({ code, out, err }));
}

const POLICY = `policy shop {
  tool buy({ item: string, price: number })
  // small purchases only
  @id("cheap") allow tool buy when args.price <= 100
  deny tool buy when args.item == "gun"
  assert never tool buy when args.item == "gun"
}
`;

function workdir(): string {
  const d = mkdtempSync(join(tmpdir(), "acpc-"));
  writeFileSync(join(d, "shop.acp"), POLICY);
  return d;
}

describe("acpc", () => {
  it("compile writes a module with no imports and a manifest; inspect and eval read them", async () => {
    const d = workdir();
    const c = await run(["compile", "shop.acp", "-o", "out"], d);
    expect(c.code).toBe(0);
    const wasm = readFileSync(join(d, "out/shop.wasm"));
    expect(WebAssembly.Module.imports(new WebAssembly.Module(wasm))).toEqual([]);
    const manifest = JSON.parse(readFileSync(join(d, "out/shop.manifest.json"), "utf8"));
    expect(manifest.rules.map((r: { id: string }) => r.id)).toEqual(["cheap", "shop:5"]);

    const i = await run(["inspect", "out/shop.wasm", "--json"], d);
    expect(i.code).toBe(0);
    const info = JSON.parse(i.out.at(-1)!);
    expect(info.imports).toEqual([]);
    expect(info.hashMatches).toBe(true);
    expect(info.manifest.costBound.steps).toBeGreaterThan(0);

    const req = JSON.stringify({ agent: {}, syscall: "tool.call", target: "buy", args: { item: "gun", price: 5 } });
    for (const file of ["out/shop.wasm", "shop.acp"]) {
      const e = await run(["eval", file, "--request", req], d);
      expect(e.code).toBe(0);
      expect(JSON.parse(e.out.at(-1)!)).toEqual({ effect: "deny", rule: "shop:5", audit: [] });
    }
  });

  it("a malformed policy gets every error with code, location and frame, and writes nothing", async () => {
    const d = workdir();
    writeFileSync(join(d, "bad.acp"), "policy bad {\n  tool t({ a: number })\n  allow tool t when args.b > 1\n  allow tool u\n}\n");
    const c = await run(["compile", "bad.acp", "-o", "out"], d);
    expect(c.code).toBe(1);
    const text = c.err.join("\n");
    expect(text).toContain("bad.acp:3:21: error[E0303]");
    expect(text).toContain("bad.acp:4:9: error[E0203]");
    expect(text).toContain("3 |   allow tool t when args.b > 1");
    expect(existsSync(join(d, "out/bad.wasm"))).toBe(false);
    const j = await run(["check", "bad.acp", "--json"], d);
    expect(JSON.parse(j.out.at(-1)!).results[0].diagnostics.map((x: { code: string }) => x.code)).toEqual(["E0303", "E0203"]);
    // Old Mac line endings (CR alone) end lines for the lexer, and so for the frame.
    writeFileSync(join(d, "cr.acp"), "policy bad {\r  tool t({ a: number })\r  allow tool t when args.b > 1\r}\r");
    const cr = await run(["check", "cr.acp"], d);
    expect(cr.err.join("\n")).toContain("cr.acp:3:21: error[E0303]");
    expect(cr.err.join("\n")).toContain("3 |   allow tool t when args.b > 1\n  |                     ^");
  });

  it("test runs case files and ends with the summary line; exit 1 on a failure", async () => {
    const d = workdir();
    const cases = (effect: string) => JSON.stringify({ name: "shop", policyFile: "shop.acp", compileError: null, cases: [
      { name: "cheap", request: { agent: {}, syscall: "tool.call", target: "buy", args: { item: "pen", price: 1 } }, expect: { effect: "allow", rule: "cheap" } },
      { name: "dear", request: { agent: {}, syscall: "tool.call", target: "buy", args: { item: "car", price: 1e5 } }, expect: { effect } },
    ] });
    writeFileSync(join(d, "shop.cases.json"), cases("kill"));
    const ok = await run(["test", "shop.cases.json"], d);
    expect(ok.out.at(-1)).toBe("2 passed, 0 failed");
    expect(ok.code).toBe(0);
    writeFileSync(join(d, "shop.cases.json"), cases("allow"));
    const bad = await run(["test", "."], d);
    expect(bad.out.at(-1)).toBe("1 passed, 1 failed");
    expect(bad.out.join("\n")).toContain("effect kill, expected allow");
    expect(bad.code).toBe(1);
    // A misspelled key checks nothing: the file is refused, not passed.
    writeFileSync(join(d, "shop.cases.json"), cases("kill").replace('"rule":"cheap"', '"rules":"wrong"'));
    const typo = await run(["test", "shop.cases.json"], d);
    expect(typo.code).toBe(1);
    expect(typo.out.join("\n")).toMatch(/not a case file: cases\.0\.expect .*rules/);
    // Cases beside a compileError would never run.
    writeFileSync(join(d, "shop.cases.json"), cases("kill").replace('"compileError":null', '"compileError":"E0303"'));
    expect((await run(["test", "shop.cases.json"], d)).out.join("\n")).toContain("`cases` must be empty when `compileError` is set");
  });

  it("the frame's carets line up under the span when the line has tabs", async () => {
    const d = workdir();
    writeFileSync(join(d, "tab.acp"), "policy tab {\n\tallow\ttool\tnope\n}\n");
    const tab = await run(["check", "tab.acp"], d);
    expect(tab.err.join("\n")).toContain("2 | \tallow\ttool\tnope\n  | \t     \t^^^^^^^^^");
  });

  it("eval --json reports a policy that does not compile as JSON; a file that is not UTF-8 is refused, not read with U+FFFD", async () => {
    const d = workdir();
    writeFileSync(join(d, "bad.acp"), "policy p {\n  allow tool nope\n}\n");
    const r = await run(["eval", "bad.acp", "--request", "{}", "--json"], d);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.out.at(-1)!)).toMatchObject({ ok: false, file: "bad.acp", diagnostics: [{ code: "E0203", line: 2 }] });
    writeFileSync(join(d, "latin1.acp"), Buffer.concat([Buffer.from('policy p {\n  allow fs.read "/d/'), Buffer.from([0xff, 0xfe]), Buffer.from('**"\n}\n')]));
    const bytes = await run(["check", "latin1.acp"], d);
    expect(bytes.code).toBe(2);
    expect(bytes.err.join("\n")).toMatch(/not valid UTF-8 \(byte 31, line 2\)/);
  });

  it("test reports a missing or non-UTF-8 policyFile as a failure and still ends with the summary line", async () => {
    const d = workdir();
    writeFileSync(join(d, "gone.json"), JSON.stringify({ name: "gone", policyFile: "nope.acp", cases: [], compileError: null }));
    const gone = await run(["test", "gone.json", "--json"], d);
    expect(gone.code).toBe(1);
    expect(JSON.parse(gone.out[0]!)).toMatchObject({ passed: 0, failed: 1 });
    expect(gone.out.at(-1)).toBe("0 passed, 1 failed");
    writeFileSync(join(d, "latin1.acp"), Buffer.concat([Buffer.from('policy p {\n  allow fs.read "/d/'), Buffer.from([0xff]), Buffer.from('/**"\n}\n')]));
    writeFileSync(join(d, "latin1.json"), JSON.stringify({ name: "l", policyFile: "latin1.acp", compileError: null, cases: [
      { name: "c", request: { syscall: "fs.read", target: "/d/\ufffd/x" }, expect: { effect: "allow" } },
    ] }));
    const bytes = await run(["test", "latin1.json"], d);
    expect(bytes.out.join("\n")).toContain("unreadable policyFile");
    expect(bytes.out.at(-1)).toBe("0 passed, 1 failed");
  });

  it("test matches compileError against what the compiler said, not the case file's name or source line", async () => {
    const d = workdir();
    // A syntax error (E0201), in files whose names and source hold the code they do not produce.
    const file = (compileError: string) => JSON.stringify({ name: "guard", policy: "policy p {\n  alow spawn // E0601\n}\n", cases: [], compileError });
    writeFileSync(join(d, "E0601-guard.json"), file("E0601"));
    const wrong = await run(["test", "E0601-guard.json"], d);
    expect(wrong.out.at(-1)).toBe("0 passed, 1 failed");
    expect(wrong.code).toBe(1);
    writeFileSync(join(d, "E0601-guard.json"), file("2:3"));
    expect((await run(["test", "E0601-guard.json"], d)).out.at(-1)).toBe("1 passed, 0 failed");
    // An empty compileError is still set: the policy must not compile.
    writeFileSync(join(d, "empty.json"), JSON.stringify({ name: "empty", policy: "policy p { allow spawn }", cases: [], compileError: "" }));
    expect((await run(["test", "empty.json"], d)).out.at(-1)).toBe("0 passed, 1 failed");
  });

  it("fmt --check fails on an unformatted file and fmt fixes it", async () => {
    const d = workdir();
    writeFileSync(join(d, "shop.acp"), POLICY.replace("  tool buy", "tool   buy"));
    expect((await run(["fmt", "--check", "shop.acp"], d)).code).toBe(1);
    expect((await run(["fmt", "shop.acp"], d)).code).toBe(0);
    expect((await run(["fmt", "--check", "shop.acp"], d)).code).toBe(0);
    expect(readFileSync(join(d, "shop.acp"), "utf8")).toContain("// small purchases only");
  });

  it("usage errors exit 2", async () => {
    const d = workdir();
    expect((await run(["frobnicate"], d)).code).toBe(2);
    expect((await run(["compile", "shop.acp"], d)).code).toBe(2);
    expect((await run(["eval", "shop.acp"], d)).code).toBe(2);
    expect((await run(["compile", "missing.acp", "-o", "x"], d)).code).toBe(2);
    expect((await run(["test", "shop.acp", "--bogus"], d)).code).toBe(2);
  });

  it("the installed bin runs (built by npm install)", () => {
    const out = execFileSync(process.execPath, [join(root, "bin/acpc.js"), "check", join(root, "policies")], { encoding: "utf8" });
    expect(out).toMatch(/file\(s\) checked: ok/);
  });

  it("ends quietly when the reader of its output goes away (acpc … | head)", async () => {
    const child = spawn(process.execPath, [join(root, "bin/acpc.js"), "--help"], { stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.destroy();   // the reader is gone before anything is written
    let err = "";
    child.stderr.on("data", (d) => { err += d; });
    const code = await new Promise<number | null>((r) => child.on("close", (c) => r(c)));
    expect(err).toBe("");
    expect(code).toBe(0);
  });

  it("with --json, a usage error is also a JSON line on stdout, on every verb", async () => {
    const d = workdir();
    for (const argv of [["compile", "shop.acp"], ["check"], ["check", "missing.acp"], ["fmt"], ["test"], ["eval", "shop.acp"], ["inspect"], ["audit", "verify", "missing.log"], ["ctl", "list"], ["run", "a.js"], ["run", "shop.acp", "--policy", "shop.acp", "--bogus"], ["nosuchverb"]]) {
      const r = await run([...argv, "--json"], d);
      expect(r.code, argv.join(" ")).toBe(2);
      expect(JSON.parse(r.out.at(-1) ?? "null"), argv.join(" ")).toMatchObject({ ok: false, error: { code: "usage", message: expect.any(String) } });
      expect(r.err.join("\n"), argv.join(" ")).not.toBe("");
    }
    // Without --json, stdout stays empty; a --json after `--` is an argument, not the flag.
    expect((await run(["check"], d)).out).toEqual([]);
    expect((await run(["check", "--", "--json"], d)).out).toEqual([]);
  });
});
