// The llm.generate adapter: the offline provider, the OpenAI-compatible provider against a real local
// HTTP server, argument validation, and one agent calling the tool through the real kernel.
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compile } from "../../compiler/compile.js";
import { SyscallError } from "../kernel/errors.js";
import { Kernel } from "../kernel/create.js";
import type { ToolContext } from "../kernel/types.js";
import { loadPolicy } from "../policy/load.js";
import { LocalProvider, OpenAiCompatibleProvider, llmTool } from "./llm.js";

const live = () => new AbortController().signal;
const ctx = (signal = live()): ToolContext => ({ agent: { id: "a1", name: "t", role: "r", tenant: "x" }, signal });

describe("LocalProvider", () => {
  it("is deterministic and echoes the first sentence", async () => {
    const p = new LocalProvider();
    const req = { prompt: "Summarize: The cat sat on the mat. Then it slept.", maxTokens: 50 };
    const a = await p.generate(req, live());
    const b = await p.generate(req, live());
    expect(a).toEqual(b);
    expect(a.text).toMatch(/^The cat sat on the mat\. \[[0-9a-f]{8}\]$/);
    expect(a.model).toBe("acp-local-1");
    expect(a.usage).toEqual({ promptTokens: 10, completionTokens: 7 });
    expect((await p.generate({ ...req, prompt: "Other text." }, live())).text).not.toBe(a.text);
  });

  it("honors maxTokens by word count", async () => {
    const r = await new LocalProvider().generate({ prompt: "one two three four five six", maxTokens: 3 }, live());
    expect(r.text).toBe("one two three");
    expect(r.usage.completionTokens).toBe(3);
  });
});

describe("OpenAiCompatibleProvider", () => {
  let server: Server;
  let baseUrl: string;
  const seen: { url?: string; headers: IncomingHttpHeaders; body: any }[] = [];
  let mode: "ok" | "500" | "malformed" | "hang" = "ok";

  beforeAll(async () => {
    server = createServer((req, res) => {
      let data = "";
      req.on("data", (c) => (data += c));
      req.on("end", () => {
        seen.push({ url: req.url, headers: req.headers, body: JSON.parse(data) });
        if (mode === "hang") return;
        if (mode === "500") { res.writeHead(500); res.end("boom"); return; }
        res.writeHead(200, { "content-type": "application/json" });
        if (mode === "malformed") { res.end(JSON.stringify({ choices: [] })); return; }
        res.end(JSON.stringify({ model: "fake-1", choices: [{ message: { role: "assistant", content: "canned reply" } }], usage: { prompt_tokens: 12, completion_tokens: 2 } }));
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });
  afterAll(async () => { server.closeAllConnections(); await new Promise((r) => server.close(r)); });

  it("posts a chat completion and parses the reply", async () => {
    mode = "ok"; seen.length = 0;
    const p = new OpenAiCompatibleProvider({ baseUrl, apiKey: "sk-test", model: "fake-1" });
    const r = await p.generate({ prompt: "hi", system: "be brief", maxTokens: 16, temperature: 0 }, live());
    expect(r).toEqual({ text: "canned reply", model: "fake-1", usage: { promptTokens: 12, completionTokens: 2 } });
    expect(seen[0]!.url).toBe("/v1/chat/completions");
    expect(seen[0]!.headers.authorization).toBe("Bearer sk-test");
    expect(seen[0]!.body).toEqual({ model: "fake-1", messages: [{ role: "system", content: "be brief" }, { role: "user", content: "hi" }], max_tokens: 16, temperature: 0 });
  });

  it("maps HTTP errors to EIO, malformed bodies to EINVAL, and a timeout abort to ETIMEDOUT", async () => {
    const p = new OpenAiCompatibleProvider({ baseUrl, model: "fake-1" });
    mode = "500";
    await expect(p.generate({ prompt: "x", maxTokens: 4 }, live())).rejects.toMatchObject({ code: "EIO", message: expect.stringContaining("500") });
    mode = "malformed";
    await expect(p.generate({ prompt: "x", maxTokens: 4 }, live())).rejects.toMatchObject({ code: "EINVAL" });
    mode = "hang";
    const err = await p.generate({ prompt: "x", maxTokens: 4 }, AbortSignal.timeout(100)).catch((e) => e);
    expect(err).toBeInstanceOf(SyscallError);
    expect(err.code).toBe("ETIMEDOUT");
  });
});

describe("llmTool", () => {
  const tool = llmTool(new LocalProvider(), { maxPromptChars: 20, maxTokens: 8, timeoutMs: 1000 });

  it("validates args", async () => {
    for (const bad of [null, "x", {}, { prompt: 5 }, { prompt: "x".repeat(21) }, { prompt: "ok", maxTokens: 0 }, { prompt: "ok", maxTokens: 1.5 }, { prompt: "ok", maxTokens: 9 }, { prompt: "ok", maxTokens: "3" }]) {
      await expect(tool.run(bad, ctx())).rejects.toMatchObject({ code: "EINVAL" });
    }
    expect(tool.timeoutMs).toBe(1000);
  });

  it("returns { text, model, usage } and passes ctx.signal", async () => {
    expect(await tool.run({ prompt: "a b c d e", maxTokens: 2 }, ctx())).toEqual({ text: "a b", model: "acp-local-1", usage: { promptTokens: 5, completionTokens: 2 } });
    const ac = new AbortController(); ac.abort(new SyscallError("ETIMEDOUT", "late"));
    await expect(tool.run({ prompt: "a" }, ctx(ac.signal))).rejects.toMatchObject({ code: "ETIMEDOUT" });
  });
});

describe("llm.generate through the kernel", () => {
  it("an agent calls the tool and gets the model's reply", async () => {
    const src = `policy p {
  tool generate({ prompt: string, maxTokens?: number })
  allow tool generate when args.prompt.length <= 2000
}`;
    const c = compile(src, { filename: "p.acp" });
    const kernel = await Kernel.create({ policy: await loadPolicy(c.wasm!, c.manifest!), tools: { generate: llmTool(new LocalProvider()) } });
    try {
      const agent = await kernel.spawn({ source: `export default async function main() { return await sys.tool("generate", { prompt: "Summarize: ACP runs agents in isolates. It records everything." }); }` });
      const exit = await agent.wait();
      expect(exit.status).toBe("exited");
      expect(exit.result).toMatchObject({ model: "acp-local-1", usage: { promptTokens: 9 } });
      expect((exit.result as { text: string }).text).toMatch(/^ACP runs agents in isolates\. \[[0-9a-f]{8}\]$/);
    } finally {
      await kernel.shutdown();
    }
  });
});
