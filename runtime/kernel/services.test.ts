// Pipes and network egress through the kernel: decided per message and per hop, recorded, bounded.
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compile } from "../../compiler/compile.js";
import { loadPolicy } from "../policy/load.js";
import { Kernel } from "./create.js";

let server: Server;
let base = "";
const seen: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push(req.url!);
    if (req.url === "/hop") { res.writeHead(302, { location: "http://localhost:1/elsewhere" }); res.end(); return; }
    if (req.url === "/inside") { res.writeHead(302, { location: `${base}/data` }); res.end(); return; }
    res.writeHead(200, { "content-type": "text/plain" });
    res.end(`hello from ${req.url} via ${req.method}`);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const POLICY = () => `policy svc {
  type Finding = { title: string, sources: string[] max 3 }
  pipe findings: researcher -> writer carries Finding capacity 2
  allow pipe.send findings when agent.name == "researcher"
  allow pipe.recv findings when agent.name == "writer" and not args.title.contains("secret")
  allow fs.write "/mem/working/**"
  allow net.fetch "${base}/**" when args.method == "GET"
  deny net.fetch "http://localhost:1/**"
}`;

async function kernel() {
  const src = POLICY();
  const r = compile(src, { filename: "svc.acp" });
  if (!r.wasm) throw new Error(r.diagnostics.map((d) => d.message).join("\n"));
  return Kernel.create({ policy: await loadPolicy(r.wasm, r.manifest!), pipeTimeoutMs: 2000 });
}

describe("typed pipes", () => {
  it("hold a fast producer to a slow consumer with bounded memory, in order, then show the close", async () => {
    const k = await kernel();
    const [researcher, writer] = await k.pipeline(
      { name: "researcher", source: `export default async function main() { for (let i = 1; i <= 12; i++) await sys.pipe.send("findings", { title: "f" + i, sources: [] }); return "sent"; }` },
      { name: "writer", source: `export default async function main() {
        const got = [];
        for (;;) {
          let f;
          try { f = await sys.pipe.recv("findings"); } catch (e) { got.push(e.code); return got; }
          for (let j = 0; j < 5; j++) await sys.fs.write("/mem/working/d", f.title);
          got.push(f.title);
        }
      }` },
    );
    expect(await researcher!.wait()).toMatchObject({ status: "exited", result: "sent" });
    const w = await writer!.wait();
    expect(w.result).toEqual([...Array.from({ length: 12 }, (_, i) => `f${i + 1}`), "EPIPE"]);
    const [stats] = k.core.pipes.list();
    expect(stats!.stats.highWater).toBeLessThanOrEqual(2);
    await k.shutdown();
  });

  it("validates each message against its declared type and decides each delivery", async () => {
    const k = await kernel();
    const bad = await k.run({ name: "researcher", source: `export default async function main() { await sys.pipe.send("findings", { title: 1 }); }` });
    expect(bad).toMatchObject({ status: "killed", signal: "SIGPOLICY", violations: [{ syscall: "pipe.send", rule: null }] });
    await k.run({ name: "researcher", source: `export default async function main() { await sys.pipe.send("findings", { title: "secret plan", sources: [] }); }` });
    const reader = await k.run({ name: "writer", source: `export default async function main() { return await sys.pipe.recv("findings"); }` });
    // The delivery itself is decided: a message the reader may not see kills it (the policy's default).
    expect(reader).toMatchObject({ status: "killed", violations: [{ syscall: "pipe.recv" }] });
    await k.shutdown();
  });
});

describe("network egress", () => {
  it("fetches allowed URLs and decides every redirect again", async () => {
    const k = await kernel();
    const ok = await k.run({ source: `export default async function main() {
      const a = await sys.net.fetch("${base}/inside", { method: "GET" });
      let hop = null; try { await sys.net.fetch("${base}/hop", { method: "GET" }); } catch (e) { hop = e.code; }
      return { status: a.status, body: a.body, url: a.url, hop };
    }` });
    expect(ok).toMatchObject({ status: "exited", result: { status: 200, body: "hello from /data via GET", url: `${base}/data`, hop: "EPERM" } });
    expect(seen).not.toContain("/elsewhere");
    const post = await k.run({ source: `export default async function main() { return await sys.net.fetch("${base}/x", { method: "POST", body: "data" }); }` });
    expect(post).toMatchObject({ status: "killed", violations: [{ syscall: "net.fetch", target: `${base}/x` }] });
    expect(seen).not.toContain("/x");
    await k.shutdown();
  });
});
