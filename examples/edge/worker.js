// A Worker that runs one agent per request in the ACP kernel under the finance policy pack, with a
// memory VFS and a memory flight log, and answers the agent's exit and the sealed log.
//   POST / { "source": "<agent module>", "name"?, "role"?, "tenant"?, "input"? }
//   → { "exit": { status, signal, result, violations }, "log": [<flight log lines>] }
// Everything WASM is imported as a module (workerd compiles it at load): QuickJS inside
// acp-runtime.js, the policy's decision module here. Budgets are interpreter ticks: Date.now()
// does not advance while code runs in a Worker.
import { Kernel, loadPolicy } from "./acp-runtime.js";
import financeWasm from "./finance.wasm";
import financeManifest from "./finance.manifest.json";

const tools = {
  transfer: { run: async (args) => ({ id: `tx-${args.to}-${args.amount}` }) },
  search: { run: async (args) => ({ hits: [`result for ${args.query}`] }) },
};

export default {
  async fetch(request) {
    if (request.method !== "POST") return new Response("POST an agent: { \"source\": \"export default async function main() { … }\" }\n", { status: 405 });
    let body;
    try { body = await request.json(); } catch { return Response.json({ error: "the body is not JSON" }, { status: 400 }); }
    if (typeof body?.source !== "string") return Response.json({ error: "`source` must be the agent's module source" }, { status: 400 });
    const policy = await loadPolicy(financeWasm, financeManifest);
    const kernel = await Kernel.create({ policy, tools, recorder: { memory: true } });
    try {
      const exit = await kernel.run({ source: body.source, name: body.name ?? "agent", role: body.role ?? "clerk", tenant: body.tenant ?? "acme", input: body.input });
      await kernel.shutdown();
      return Response.json({ exit: { status: exit.status, signal: exit.signal, result: exit.result, violations: exit.violations }, log: kernel.recorder.lines() });
    } catch (e) {
      await kernel.shutdown();
      return Response.json({ error: String(e?.message ?? e) }, { status: 500 });
    }
  },
};
