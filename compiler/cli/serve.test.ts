// `acpc serve` as a user runs it: the real CLI in a child process, real HTTP on a free port.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const ACPC = join(root, "bin/acpc.js");

const POLICY = (effect: "allow" | "deny") => `policy shop {
  on violation deny
  tool buy({ item: string, price: number })
  @id("cheap") ${effect} tool buy when args.price <= 100
  @id("no-guns") deny tool buy when args.item == "gun"
  allow fs.read "/data/**"
}
`;

interface Served { child: ChildProcess; url: string; stderr: () => string; exited: Promise<number | null> }
const running: ChildProcess[] = [];
afterEach(() => { for (const c of running.splice(0)) if (c.exitCode === null) c.kill("SIGKILL"); });

/** Starts `acpc serve … --listen 127.0.0.1:0 --json` and waits for the line that names its port. */
async function serve(args: string[]): Promise<Served> {
  const child = spawn(process.execPath, [ACPC, "serve", ...args, "--listen", "127.0.0.1:0", "--json"], { stdio: ["ignore", "pipe", "pipe"] });
  running.push(child);
  let err = "";
  child.stderr!.on("data", (c) => { err += c; });
  const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
  const line = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (c) => { out += c; if (out.includes("\n")) resolve(out.split("\n")[0]!); });
    child.on("exit", (code) => reject(new Error(`acpc serve exited ${code}: ${err}`)));
  });
  const hello = JSON.parse(line) as { ok: boolean; listening: string };
  expect(hello.ok).toBe(true);
  return { child, url: hello.listening, stderr: () => err, exited };
}

/** As a deploy does it: the new file is renamed over the old, so no reader sees half of it. */
function replace(file: string, text: string): void {
  writeFileSync(file + ".tmp", text);
  renameSync(file + ".tmp", file);
}

function dir(): string { return mkdtempSync(join(tmpdir(), "acp-serve-")); }

async function post(url: string, body: unknown, raw = false) {
  const r = await fetch(`${url}/v1/decide`, { method: "POST", body: raw ? (body as string) : JSON.stringify(body), headers: { "content-type": "application/json" } });
  return { status: r.status, body: (await r.json()) as any };
}

const buy = (item: string, price: number) => ({ agent: { id: "a1", name: "shopper", role: "clerk", tenant: "acme" }, syscall: "tool.call", target: "buy", args: { item, price } });

async function waitFor(what: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!what()) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("acpc serve", () => {
  it("decides one request and a batch as DESIGN.md's JSON, and describes its policy", async () => {
    const d = dir();
    writeFileSync(join(d, "shop.acp"), POLICY("allow"));
    const s = await serve([join(d, "shop.acp")]);
    expect(await post(s.url, buy("book", 20))).toEqual({ status: 200, body: { effect: "allow", rule: "cheap", audit: [] } });
    expect(await post(s.url, buy("gun", 20))).toEqual({ status: 200, body: { effect: "deny", rule: "no-guns", audit: [] } });
    const batch = await post(s.url, { requests: [buy("book", 20), buy("car", 5000), { syscall: "fs.read", target: "/data/a.csv" }, { syscall: "fs.read", target: "/data/../etc" }, { syscall: "tool.call", target: "buy", args: { item: 1 } }] });
    expect(batch.status).toBe(200);
    expect(batch.body.decisions.map((x: any) => [x.effect, x.rule])).toEqual([["allow", "cheap"], ["deny", null], ["allow", "shop:6"], ["deny", null], ["deny", null]]);
    expect(await post(s.url, { requests: [] })).toEqual({ status: 200, body: { decisions: [] } });
    const policy = (await (await fetch(`${s.url}/v1/policy`)).json()) as any;
    expect(policy).toMatchObject({ policy: "shop", digest: expect.stringMatching(/^[0-9a-f]{64}$/), manifest: { format: "acp-manifest/1", policy: "shop" } });
    expect(await (await fetch(`${s.url}/health`)).json()).toEqual({ ok: true, policy: "shop", digest: policy.digest });
  });

  it("answers bad JSON, wrong types, an over-size body and unknown routes with 400/404 and a code, and stays up", async () => {
    const d = dir();
    writeFileSync(join(d, "shop.acp"), POLICY("allow"));
    const s = await serve([join(d, "shop.acp"), "--max-body", "1024"]);
    const cases: [unknown, boolean, string][] = [
      ["{not json", true, "E1201"],
      ["", true, "E1201"],
      [[buy("book", 1)], false, "E1202"],
      [{ syscall: 5, target: "buy" }, false, "E1202"],
      [{ syscall: "tool.call" }, false, "E1202"],
      [{ ...buy("book", 1), agent: { role: 7 } }, false, "E1202"],
      [{ ...buy("book", 1), agent: { labels: { team: 1 } } }, false, "E1202"],
      [{ ...buy("book", 1), arg: {} }, false, "E1202"],
      [{ requests: [buy("book", 1), null] }, false, "E1202"],
      [{ requests: {} }, false, "E1202"],
      [{ ...buy("x".repeat(2000), 1) }, false, "E1203"],
    ];
    for (const [body, raw, code] of cases) {
      const r = await post(s.url, body, raw);
      expect([r.status, r.body.error.code], JSON.stringify(body).slice(0, 80)).toEqual([400, code]);
    }
    const notFound = await fetch(`${s.url}/v1/data`);
    expect([notFound.status, ((await notFound.json()) as any).error.code]).toEqual([404, "E1204"]);
    const wrongMethod = await fetch(`${s.url}/v1/decide`);
    expect([wrongMethod.status, ((await wrongMethod.json()) as any).error.code]).toEqual([405, "E1205"]);
    expect((await post(s.url, buy("book", 20))).body.effect).toBe("allow");
    expect(s.child.exitCode).toBe(null);
  });

  it("serves Prometheus metrics: decisions by effect, latency, refusals", async () => {
    const d = dir();
    writeFileSync(join(d, "shop.acp"), POLICY("allow"));
    const s = await serve([join(d, "shop.acp")]);
    await post(s.url, { requests: [buy("book", 1), buy("book", 2), buy("gun", 3)] });
    await post(s.url, "nope", true);
    const r = await fetch(`${s.url}/metrics`);
    expect(r.headers.get("content-type")).toMatch(/^text\/plain/);
    const text = await r.text();
    expect(text).toContain('acp_decisions_total{effect="allow"} 2');
    expect(text).toContain('acp_decisions_total{effect="deny"} 1');
    expect(text).toContain('acp_decide_request_duration_seconds_count{batch="yes"} 1');
    expect(text).toContain('acp_request_errors_total{code="E1201"} 1');
    expect(text).toMatch(/acp_policy_info\{policy="shop",digest="[0-9a-f]{64}"\} 1/);
  });

  it("reloads on a changed file and on SIGHUP under load without dropping a request, keeps the old policy when the new one is broken, and logs every decision", async () => {
    const d = dir();
    const file = join(d, "shop.acp"), log = join(d, "flight.log");
    writeFileSync(file, POLICY("allow"));
    const s = await serve([file, "--record", log]);
    let stop = false;
    const seen: { status: number; effect?: string }[] = [];
    // 16 clients, each sending one request after another, until told to stop.
    const client = async () => {
      const mine: string[] = [];
      while (!stop) {
        const r = await post(s.url, buy("book", 20));
        seen.push({ status: r.status, effect: r.body.effect });
        mine.push(r.body.effect);
      }
      return mine;
    };
    const clients = Array.from({ length: 16 }, client);
    await waitFor(() => seen.length > 200);
    replace(file, "policy shop { allow tool nosuch }\n");
    await waitFor(() => /reload \(file changed\) failed/.test(s.stderr()));
    expect(s.stderr()).toContain("E0203");
    const before = seen.length;
    await waitFor(() => seen.length > before + 200);
    replace(file, POLICY("deny"));
    await waitFor(() => seen.at(-1)?.effect === "deny");
    const mid = seen.length;
    await waitFor(() => seen.length > mid + 200);
    // Back to allow, through SIGHUP alone.
    writeFileSync(file, POLICY("allow"));
    s.child.kill("SIGHUP");
    await waitFor(() => seen.at(-1)?.effect === "allow");
    const late = seen.length;
    await waitFor(() => seen.length > late + 100);
    stop = true;
    const perClient = await Promise.all(clients);
    expect(seen.every((x) => x.status === 200)).toBe(true);
    // Each client saw allow, then deny, then allow again: a policy change is never undone.
    for (const effects of perClient) {
      const runs = effects.filter((e, i) => i === 0 || effects[i - 1] !== e);
      expect(["allow,deny,allow", "allow,deny", "deny,allow", "allow"]).toContain(runs.join(","));
    }
    s.child.kill("SIGTERM");
    expect(await s.exited).toBe(0);
    const verify = spawnSync(process.execPath, [ACPC, "audit", "verify", log], { encoding: "utf8" });
    expect(verify.stdout + verify.stderr).toContain("closed cleanly");
    expect(verify.status).toBe(0);
    const records = readFileSync(log, "utf8").trim().split("\n").map((l) => JSON.parse(l));
    const policies = records.filter((r) => r.kind === "policy").map((r) => r.policyHash);
    expect(policies.length).toBe(3);
    expect(new Set(policies).size).toBe(2);
    const decisions = records.filter((r) => r.kind === "syscall");
    expect(decisions.length).toBe(seen.length);
    expect(decisions[0]).toMatchObject({ agent: { id: "a1", name: "shopper", tenant: "acme", role: "clerk" }, syscall: "tool.call", target: "buy", args: { item: "book", price: 20 }, effect: "allow", rule: "cheap", ok: true });
  });

  it("serves a precompiled module beside its manifest", async () => {
    const d = dir();
    writeFileSync(join(d, "shop.acp"), POLICY("allow"));
    expect(spawnSync(process.execPath, [ACPC, "compile", join(d, "shop.acp"), "-o", join(d, "out")]).status).toBe(0);
    const s = await serve([join(d, "out/shop.wasm")]);
    expect(await post(s.url, buy("book", 20))).toEqual({ status: 200, body: { effect: "allow", rule: "cheap", audit: [] } });
    expect(((await (await fetch(`${s.url}/v1/policy`)).json()) as any).policy).toBe("shop");
  });

  it("refuses to start on a policy that does not compile (exit 2) and stops cleanly on SIGINT", async () => {
    const d = dir();
    writeFileSync(join(d, "bad.acp"), "policy bad { allow tool nosuch }\n");
    const r = spawnSync(process.execPath, [ACPC, "serve", join(d, "bad.acp"), "--listen", "127.0.0.1:0"], { encoding: "utf8" });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("E0203");
    writeFileSync(join(d, "shop.acp"), POLICY("allow"));
    const s = await serve([join(d, "shop.acp")]);
    s.child.kill("SIGINT");
    expect(await s.exited).toBe(0);
  });
});
