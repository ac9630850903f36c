// The policy component (wit/policy.wit) against the core module: every case of the conformance
// suite and the policy packs, decided by the component through `jco transpile` in Node and by
// loadPolicy, must agree on effect, rule and audits. A request the adapter calls unsupported
// (E1022) must be decided as the violation, and only net.fetch requests may be.
import { afterAll, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { transpile } from "@bytecodealliance/jco";
import { caseFileSchema, findCaseFiles } from "./cli/case-runner.js";
import { compileComponent, policyWit } from "./component.js";
import { VIOLATION } from "./codegen/component/adapter.js";
import { loadPolicy } from "../runtime/policy/load.js";
import { main } from "./cli/main.js";
import type { Io } from "./cli/io.js";
import fc from "fast-check";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const files = findCaseFiles([join(root, "conformance/language"), join(root, "policies")]);
const work = mkdtempSync(join(tmpdir(), "acp-component-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The suite's net.fetch cases whose URL the adapter does not check (so refuses as unsupported). */
const UNSUPPORTED_IN_SUITE = 15;

interface WitDecision { effect: string; rule?: string; audits: string[]; violation?: string }

/** The component transpiled by jco into `dir`, imported as an ES module. */
async function transpiled(component: Uint8Array, dir: string): Promise<{ decide(request: string): WitDecision }> {
  const { files: out } = await transpile(component, { name: "policy" });
  for (const [name, bytes] of Object.entries(out)) writeFileSync(join(work, `${dir}-${name}`), bytes);
  writeFileSync(join(work, "package.json"), '{"type":"module"}');
  // jco names its core module file itself: point the glue at the prefixed copy.
  const js = join(work, `${dir}-policy.js`);
  writeFileSync(js, readFileSync(js, "utf8").replaceAll("'./policy.core", `'./${dir}-policy.core`));
  return import(pathToFileURL(js).href);
}

describe("policy components (jco transpile)", () => {
  it("implements exactly the world of wit/policy.wit", () => {
    expect(policyWit()).toContain("world decider");
    expect(policyWit()).toContain("export decide: func(request: string) -> decision;");
  });

  const tally = { cases: 0, unsupported: 0 };
  /** What each file's component and core module decided, for the Wasmtime host below. */
  const decided: { file: string; component: Uint8Array; requests: string[]; jco: WitDecision[] }[] = [];
  files.forEach((f, n) => {
    const file = caseFileSchema.parse(JSON.parse(readFileSync(f, "utf8")));
    if (typeof file.compileError === "string") return;
    it(`decides ${relative(root, f)} as the core module does`, async () => {
      const source = file.policyFile ? readFileSync(join(dirname(f), file.policyFile), "utf8") : file.policy!;
      const r = await compileComponent(source, { filename: f });
      expect(r.component, "compiles").not.toBeNull();
      expect(WebAssembly.Module.imports(new WebAssembly.Module(r.componentCore!))).toEqual([]);
      const core = await loadPolicy(r.wasm!, r.manifest);
      const component = await transpiled(r.component!, `p${n}`);
      const problems: string[] = [];
      const entry = { file: relative(root, f), component: r.component!, requests: [] as string[], jco: [] as WitDecision[] };
      decided.push(entry);
      for (const c of file.cases) {
        const want = core.decide(c.request);
        const got = component.decide(JSON.stringify(c.request));
        entry.requests.push(JSON.stringify(c.request));
        entry.jco.push(got);
        tally.cases++;
        if (got.violation === VIOLATION.unsupported) {
          tally.unsupported++;
          const syscall = (c.request as { syscall?: unknown } | null)?.syscall;
          if (got.effect !== r.manifest!.onViolation || got.rule !== undefined || syscall !== "net.fetch") problems.push(`${c.name}: unsupported ${JSON.stringify(got)}`);
          continue;
        }
        const same = got.effect === want.effect && (got.rule ?? null) === want.rule && JSON.stringify(got.audits) === JSON.stringify(want.audit);
        if (!same) problems.push(`${c.name}: component ${JSON.stringify(got)}, core ${JSON.stringify(want)}`);
        if (got.violation !== undefined && want.rule !== null) problems.push(`${c.name}: a violation with a rule`);
      }
      expect(problems).toEqual([]);
    });
  });

  it("decided every case (the tally is the suite's)", () => {
    console.log(`component: ${tally.cases} cases, ${tally.unsupported} net.fetch cases refused as unsupported`);
    // Only URLs outside the adapter's subset (codegen/component/url.ts): IDNA, IPv6, upper case…
    expect(tally.unsupported).toBeLessThanOrEqual(UNSUPPORTED_IN_SUITE);
    expect(tally.cases).toBeGreaterThanOrEqual(300);
  });

  // A component host in another language: Wasmtime (Rust) through wasmtime-py, installed here into
  // .venv-wasmtime when it is not (ACP_WASMTIME_PYTHON names another interpreter); a machine that
  // cannot get it fails this test, naming what to run.
  it("decides the same in Wasmtime (examples/component/decide.py)", () => {
    const python = wasmtimePython();
    let n = 0;
    for (const e of decided) {
      const path = join(work, `wasmtime-${n++}.component.wasm`);
      writeFileSync(path, e.component);
      const out = execFileSync(python, [join(root, "examples/component/decide.py"), path], { input: e.requests.map((r) => r + "\n").join(""), encoding: "utf8" });
      const got = out.trim().split("\n").filter(Boolean).map((l) => JSON.parse(l) as { effect: string; rule: string | null; audits: string[]; violation: string | null });
      expect(got.map((d) => ({ effect: d.effect, rule: d.rule ?? undefined, audits: d.audits, violation: d.violation ?? undefined })), e.file).toEqual(e.jco);
    }
    expect(n).toBeGreaterThan(30);
  }, 600_000);
});

const POLICY = `policy shop {
  on violation deny
  type Item = { sku: string, qty: number, tags?: string[] max 3, gift?: { to: string, note?: string } }
  tool buy({ items: Item[] max 4, total: number, rush: bool, kind: "retail" | "bulk" })
  tool ping({})
  pipe orders: clerk -> packer carries Item capacity 4
  @id("small") allow tool buy when args.total <= 100 and args.kind == "retail"
  @id("big") stop tool buy when args.total > 100
  @id("rush") audit tool buy when args.rush
  @id("gift") audit tool buy when any(i in args.items: i.gift.to != "")
  allow tool ping when agent.labels["team"] == "ops" and agent.role == "clerk"
  allow pipe.send orders when args.qty < 10 and args.gift.note == ""
  allow fs.write "/mem/**" when args.size < 100
  allow fs.read "/mem/**" when agent.name.startsWith("r")
  allow spawn
  allow net.fetch "https://*.example/**" when args.method == "POST" and args.size < 100
  @id("alt-port") deny net.fetch "http://*/**" when args.port == 8080
  @id("v1") audit net.fetch "https://*/**" when args.path.startsWith("/v1") or args.host == "localhost"
  allow net.fetch "http://*.*.*.*/**" when args.host == "10.0.0.1" and args.port == 8443
  allow net.fetch "http://localhost/**" when args.method == "GET"
  allow net.fetch "https://api.x.example/**"
}`;

describe("the component's JSON adapter, request by request", async () => {
  const r = await compileComponent(POLICY, { filename: "shop.acp" });
  const core = await loadPolicy(r.wasm!, r.manifest);
  const component = await transpiled(r.component!, "shop");
  const agent = '"agent":{"name":"r1","role":"clerk","labels":{"team":"ops"}}';
  const buy = (args: string) => `{${agent},"syscall":"tool.call","target":"buy","args":${args}}`;
  const item = '{"sku":"a","qty":1}';
  // Each is decided by the component from these exact bytes, and by the core module from JSON.parse of them.
  const texts = [
    buy(`{"items":[${item}],"total":50,"rush":false,"kind":"retail"}`),
    buy(`{"items":[${item}],"total":500,"rush":true,"kind":"bulk"}`),
    buy(`{"items":[{"sku":"a","qty":1,"gift":{"to":"x"}}],"total":5,"rush":true,"kind":"retail"}`),
    buy(`{"items":[${item},${item},${item},${item},${item}],"total":5,"rush":false,"kind":"retail"}`), // past max 4
    buy(`{"items":[],"total":5,"rush":false,"kind":"other"}`),
    buy(`{"items":[],"total":5,"rush":false}`), // kind missing
    buy(`{"items":[],"total":5,"rush":false,"kind":"retail","extra":1}`),
    buy(`{"items":[],"total":"5","rush":false,"kind":"retail"}`),
    buy(`{"items":[],"total":5,"rush":0,"kind":"retail"}`),
    buy(`{"items":[],"total":5000,"total":5,"rush":false,"kind":"retail"}`), // the last of a repeated key wins
    buy(`{"items":[],"total":5,"rush":false,"kind":"bulk","kind":"retail"}`),
    buy(`{"items":[{"sku":"a","qty":1,"tags":["x","y","z","w"]}],"total":5,"rush":false,"kind":"retail"}`),
    buy(` { "items" : [ ] , "total" : 1e2 , "rush" : false , "kind" : "ret\\u0061il" } `),
    buy(`{"items":[],"total":100.0000000000001,"rush":false,"kind":"retail"}`),
    buy(`{"items":[],"total":0.1,"rush":false,"kind":"retail"}`),
    buy(`{"items":[],"total":-0,"rush":false,"kind":"retail"}`),
    buy(`{"items":[],"total":1e400,"rush":false,"kind":"retail"}`), // Infinity: not a number a request may carry
    buy(`{"items":[],"total":1E+2,"rush":false,"kind":"retail"}`),
    buy(`{"items":[{"sku":"\\ud83d\\ude00\\u00e9\\n","qty":1}],"total":5,"rush":false,"kind":"retail"}`),
    buy(`{"items":[{"sku":"\\ud83d","qty":1}],"total":5,"rush":false,"kind":"retail"}`), // a lone surrogate
    `{"\\u0061gent":{"name":"r1"},"syscall":"fs.read","target":"/mem/a"}`,
    `{"agent":{"name":"r1","x\\udc00":[1,{"deep":[[[]]]}]},"syscall":"fs.read","target":"/mem/a"}`,
    `{"agent":{"name":"\\udc00"},"syscall":"fs.read","target":"/mem/a"}`,
    `{"agent":null,"syscall":"fs.read","target":"/mem/a"}`,
    `{"agent":[],"syscall":"fs.read","target":"/mem/a"}`,
    `{"agent":{"name":7},"syscall":"fs.read","target":"/mem/a"}`,
    `{"agent":{"name":"r"},"syscall":"fs.read","target":"/mem/a/"}`,
    `{"agent":{"name":"r"},"syscall":"fs.read","target":"/mem/./a"}`,
    `{"agent":{"name":"r"},"syscall":"fs.read","target":"/mem/...","args":{"ignored":true}}`,
    `{"agent":{"name":"r"},"syscall":"fs.read","target":"/mem/caf\\u00e9"}`,
    `{"agent":{"name":"r"},"syscall":"fs.read","target":"/mem/a\\u0000b"}`,
    `{"syscall":"fs.write","target":"/mem/a","args":{"size":10,"data":"x"}}`,
    `{"syscall":"fs.write","target":"/mem/a","args":{"size":"10"}}`,
    `{"syscall":"fs.write","target":"/mem/a","args":{}}`,
    `{"syscall":"fs.write","target":"/mem/a","args":[]}`,
    `{"syscall":"fs.write","target":"/mem/a"}`,
    `{"agent":{"role":"clerk","labels":{"team":"dev","team":"ops"}},"syscall":"tool.call","target":"ping","args":{}}`,
    `{"agent":{"role":"clerk","labels":{"team":"ops","n":1}},"syscall":"tool.call","target":"ping","args":{}}`,
    `{"agent":{"role":"clerk","labels":null},"syscall":"tool.call","target":"ping","args":{}}`,
    `{"agent":{"role":"clerk","labels":{}},"syscall":"tool.call","target":"ping","args":{}}`,
    `{"syscall":"tool.call","target":"ping"}`,
    `{"syscall":"tool.call","target":"nope","args":{}}`,
    `{"syscall":"pipe.send","target":"orders","args":{"sku":"a","qty":2}}`,
    `{"syscall":"pipe.send","target":"orders","args":{"sku":"a","qty":2,"gift":{"to":"b","note":"hi"}}}`,
    `{"syscall":"pipe.recv","target":"nope","args":{}}`,
    `{"syscall":"spawn","target":"child","args":[1,2,3]}`,
    `{"syscall":"mem.search","target":"/mem"}`,
    `{"syscall":"spawn"}`,
    `{"target":"x"}`,
    `[]`, `1`, `null`, `"x"`,
  ];
  /** The component's decision of `text`, checked against the core module's of JSON.parse of it; null
   * when the adapter called it unsupported (then only the violation effect is checked). */
  const agreed = (text: string): WitDecision | null => {
    const want = core.decide(JSON.parse(text));
    const got = component.decide(text);
    if (got.violation === VIOLATION.unsupported) { expect(got.effect, text).toBe(r.manifest!.onViolation); return null; }
    expect({ effect: got.effect, rule: got.rule ?? null, audit: got.audits }, text).toEqual(want);
    return got;
  };
  const notJson = ["", "{", '{"syscall":"spawn","target":"x"} x', "{'a':1}", '{"a":01}', '{"a":"\\x"}', '{"a":1,}', '{"a":"\t"}', "[1 2]", "tru"];

  it("decides what the host's encoder decides, for each of these requests", () => {
    const problems: string[] = [];
    for (const t of texts) {
      const want = core.decide(JSON.parse(t));
      const got = component.decide(t);
      const same = got.effect === want.effect && (got.rule ?? null) === want.rule && JSON.stringify(got.audits) === JSON.stringify(want.audit);
      if (!same || (got.violation !== undefined && want.rule !== null)) problems.push(`${t}: component ${JSON.stringify(got)}, core ${JSON.stringify(want)}`);
    }
    expect(problems).toEqual([]);
  });

  it("says which requests it refused and why", () => {
    expect(component.decide(texts[4]!).violation).toBe(VIOLATION.refused);
    expect(component.decide(texts[13]!).violation).toBeUndefined();
    for (const t of notJson) expect(component.decide(t), t).toEqual({ effect: "deny", rule: undefined, audits: [], violation: VIOLATION.notJson });
    // Digits past 2^53, or a decimal exponent past ±22, are not converted: refused as unsupported.
    for (const n of ["9007199254740993", "1.7976931348623157e308", "5e-324", "123456789012345678901"]) {
      expect(component.decide(buy(`{"items":[],"total":${n},"rush":false,"kind":"retail"}`)).violation, n).toBe(VIOLATION.unsupported);
    }
    const deep = (n: number) => `{"syscall":"spawn","target":"x","args":${"[".repeat(n)}${"]".repeat(n)}}`;
    expect(component.decide(deep(500))).toMatchObject({ effect: "allow", violation: undefined });
    expect(component.decide(deep(600)).violation).toBe(VIOLATION.unsupported);
  });

  it("agrees with the core module on net.fetch URLs it checks, and refuses the others as unsupported", () => {
    // Each part mostly one the adapter checks, sometimes one it may not: both sides are reached.
    const part = (ok: string[], other: string[]) => fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...ok) }, { weight: 1, arbitrary: fc.constantFrom(...other) });
    const url = fc.tuple(
      part(["http://", "https://"], ["HTTPS://", "ftp://", "https:/"]),
      part(["a.example", "api.x.example", "10.0.0.1", "localhost", "a-.example", "12.example", "x.y"],
        ["A.example", "xn--bcher-kva.example", "010.0.0.1", "1.2.3", "256.1.1.1", "0x7f.0.0.1", "a..b", "a.example.", "[::1]", "a_b.example", "b\u00fccher.example", "1.2.3.4.5", "u@a.example", ""]),
      part(["", "", ":8080", ":8443", ":0", ":1"], [":443", ":80", ":08", ":65536", ":"]),
      part(["/", "/v1/x", "/a%20b", "/~u/it's", "/a//b", "/v1/", "/a%zz", "/x;y=1", "/..a"], ["", "/a/../b", "/a/./b", "/%2e/x", "/a b", "/x^y", "/x|y", "/\u00e9", "/.", "/..", "/a\\b"]),
      part(["", "", "?", "?q=1", "?a=b/c?d"], ["?q='", "?x y"]),
      part([""], ["#f", "#"]),
    ).map((xs) => xs.join(""));
    const args = fc.oneof({ weight: 6, arbitrary: fc.record({ method: fc.constantFrom("POST", "GET"), size: fc.constantFrom(1, 500) }, { requiredKeys: ["method"] }) },
      { weight: 1, arbitrary: fc.constantFrom(null, { size: 1 }, { method: 1 }, []) });
    const seen = { runs: 0, checked: 0, byRule: 0 };
    fc.assert(fc.property(url, args, (target, a) => {
      const got = agreed(JSON.stringify({ agent: { name: "n" }, syscall: "net.fetch", target, args: a }));
      seen.runs++;
      if (!got) return;
      seen.checked++;
      if (got.rule !== undefined) seen.byRule++;
    }), { numRuns: Number(process.env.ACP_FUZZ_RUNS ?? 3000) });
    console.log(`component URLs: ${JSON.stringify(seen)}`);
    expect(seen.checked).toBeGreaterThan(seen.runs / 5);
    expect(seen.byRule).toBeGreaterThan(seen.runs / 100);
  });

  it("agrees with the core module on generated requests (fast-check)", () => {
    const str = fc.oneof(fc.constantFrom("a", "r1", "ops", "clerk", "retail", "bulk", "", "/mem/a", "\ud83d", "é"), fc.string({ maxLength: 4 }));
    const num = fc.oneof(fc.integer({ min: -200, max: 200 }), fc.constantFrom(0.5, 99.99, 100, 101, -0, 1e21, 1e-7));
    const scalar = fc.oneof(str, num, fc.boolean(), fc.constant(null));
    const itemArb = fc.record({ sku: str, qty: num, tags: fc.array(str, { maxLength: 4 }), gift: fc.record({ to: str, note: str }, { requiredKeys: ["to"] }) }, { requiredKeys: ["sku", "qty"] });
    const value = fc.oneof({ weight: 3, arbitrary: scalar }, { weight: 1, arbitrary: fc.array(scalar, { maxLength: 3 }) }, { weight: 2, arbitrary: itemArb });
    const args = fc.oneof(
      fc.record({ items: fc.array(fc.oneof(itemArb, value), { maxLength: 5 }), total: fc.oneof(num, value), rush: fc.oneof(fc.boolean(), value), kind: fc.oneof(fc.constantFrom("retail", "bulk"), value) }, { requiredKeys: [] }),
      itemArb, fc.record({ size: fc.oneof(num, value) }), value,
    );
    const agentArb = fc.oneof(fc.constant(null), fc.record({ name: fc.oneof(str, value), role: fc.oneof(str, value), labels: fc.oneof(fc.dictionary(fc.constantFrom("team", "x", "__proto__"), fc.oneof(str, value), { maxKeys: 3 }), value) }, { requiredKeys: [] }));
    const request = fc.record({
      agent: agentArb,
      syscall: fc.constantFrom("tool.call", "pipe.send", "pipe.recv", "fs.write", "fs.read", "spawn", "bogus"),
      target: fc.constantFrom("buy", "ping", "orders", "/mem/a", "/mem/a/", "/x", "child", ""),
      args,
    }, { requiredKeys: ["syscall", "target"] });
    const seen = { runs: 0, byRule: 0, refused: 0 };
    fc.assert(fc.property(request, (q) => {
      const got = agreed(JSON.stringify(q));
      seen.runs++;
      if (got?.rule !== undefined) seen.byRule++;
      if (got?.violation === VIOLATION.refused) seen.refused++;
    }), { numRuns: Number(process.env.ACP_FUZZ_RUNS ?? 2000) });
    // The generator reaches both sides: requests some rule decides, and requests the adapter refuses.
    console.log(`component fuzz: ${JSON.stringify(seen)}`);
    expect(seen.byRule).toBeGreaterThan(seen.runs / 20);
    expect(seen.refused).toBeGreaterThan(seen.runs / 20);
  });
});

describe("acpc wit and acpc compile --component", () => {
  const run = async (argv: string[], cwd: string) => {
    const out: string[] = [], err: string[] = [];
    const io: Io = { out: (s) => out.push(s), err: (s) => err.push(s), color: false, cwd };
    return { code: await main(argv, io), out, err };
  };

  it("prints the world", async () => {
    const r = await run(["wit"], root);
    expect(r.code).toBe(0);
    expect(r.out.join("\n") + "\n").toBe(readFileSync(join(root, "wit/policy.wit"), "utf8"));
  });

  it("writes <name>.component.wasm beside the module, and the component decides", async () => {
    const dir = mkdtempSync(join(tmpdir(), "acpc-component-"));
    writeFileSync(join(dir, "shop.acp"), POLICY);
    const r = await run(["compile", "--component", "shop.acp", "-o", "out", "--json"], dir);
    expect(r.code).toBe(0);
    const res = JSON.parse(r.out.at(-1)!) as { results: { component: string }[] };
    expect(res.results[0]!.component).toBe(join("out", "shop.component.wasm"));
    const component = await transpiled(readFileSync(join(dir, "out/shop.component.wasm")), "cli");
    expect(component.decide(`{"agent":{"role":"clerk","labels":{"team":"ops"}},"syscall":"tool.call","target":"ping","args":{}}`)).toEqual({ effect: "allow", rule: "shop:11", audits: [], violation: undefined });
    rmSync(dir, { recursive: true, force: true });
  });
});

/** A Python that imports wasmtime.component: ACP_WASMTIME_PYTHON, the project's .venv-wasmtime
 * (made and filled here when missing), or python3 itself. Throws naming the command when none can be had. */
function wasmtimePython(): string {
  const works = (p: string | undefined): p is string => {
    if (!p) return false;
    try { execFileSync(p, ["-c", "import wasmtime.component"], { stdio: "ignore" }); return true; } catch { return false; }
  };
  const venv = join(root, ".venv-wasmtime"), inVenv = join(venv, "bin/python");
  const found = [process.env.ACP_WASMTIME_PYTHON, inVenv, "python3"].find(works);
  if (found) return found;
  const install = `python3 -m venv ${venv} && ${inVenv} -m pip install 'wasmtime>=49'`;
  try {
    execFileSync("python3", ["-m", "venv", venv], { stdio: "ignore", timeout: 120_000 });
    execFileSync(inVenv, ["-m", "pip", "install", "-q", "wasmtime>=49"], { stdio: "ignore", timeout: 600_000 });
  } catch (e) {
    throw new Error(`this test runs the component in Wasmtime through wasmtime-py, which could not be installed (${(e as Error).message.split("\n")[0]}): run \`${install}\` (Debian: apt-get install -y python3-venv first)`);
  }
  if (!works(inVenv)) throw new Error(`wasmtime-py was installed but does not import: run \`${install}\``);
  return inVenv;
}

