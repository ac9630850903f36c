// The `llm.generate` host tool: the model runs outside the isolate, behind a provider; the agent
// only sees `sys.tool("<name>", { prompt, maxTokens? })` and gets back `{ text, model, usage }`.
import { createHash } from "node:crypto";
import { SyscallError } from "../kernel/errors.js";
import type { ToolContext, ToolSpec } from "../kernel/types.js";

export interface LlmRequest {
  prompt: string;
  system?: string;
  maxTokens: number;
  temperature?: number;
}

export interface LlmResponse {
  text: string;
  model: string;
  usage: { promptTokens: number; completionTokens: number };
}

export interface LlmProvider {
  generate(req: LlmRequest, signal: AbortSignal): Promise<LlmResponse>;
}

const words = (s: string): string[] => s.split(/\s+/).filter(Boolean);

/**
 * A deterministic, offline provider: the same request always yields the same reply, and nothing
 * leaves the process. It is the provider the tests and the demo use. The reply echoes a summary of
 * the prompt's first sentence plus a short tag derived from the SHA-256 of the request; "tokens"
 * are whitespace-separated words, and the reply never has more than `maxTokens` of them.
 */
export class LocalProvider implements LlmProvider {
  readonly model = "acp-local-1";

  async generate(req: LlmRequest, signal: AbortSignal): Promise<LlmResponse> {
    if (signal.aborted) throw abortError(signal);
    const digest = createHash("sha256").update(`${req.system ?? ""}\u0000${req.prompt}`).digest("hex");
    const body = req.prompt.replace(/^\s*[A-Za-z]+:\s*/, ""); // drop an instruction prefix such as "Summarize:"
    const first = (body.match(/^[^.!?\n]*[.!?]?/)?.[0] ?? "").trim();
    const out = [...words(first.length > 0 ? first : body), `[${digest.slice(0, 8)}]`];
    const text = out.slice(0, Math.max(0, req.maxTokens)).join(" ");
    return {
      text,
      model: this.model,
      usage: { promptTokens: words(req.system ?? "").length + words(req.prompt).length, completionTokens: words(text).length },
    };
  }
}

export interface OpenAiCompatibleOptions {
  /** E.g. "https://api.openai.com/v1" or "http://127.0.0.1:8080/v1"; `/chat/completions` is appended. */
  baseUrl: string;
  apiKey?: string;
  model: string;
  fetchImpl?: typeof fetch;
}

/** Calls an OpenAI-compatible `/chat/completions` endpoint; every failure becomes a SyscallError. */
export class OpenAiCompatibleProvider implements LlmProvider {
  private readonly url: string;
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly o: OpenAiCompatibleOptions) {
    this.url = `${o.baseUrl.replace(/\/+$/, "")}/chat/completions`;
    this.fetchImpl = o.fetchImpl ?? globalThis.fetch.bind(globalThis);
  }

  async generate(req: LlmRequest, signal: AbortSignal): Promise<LlmResponse> {
    const messages: { role: string; content: string }[] = [];
    if (req.system !== undefined) messages.push({ role: "system", content: req.system });
    messages.push({ role: "user", content: req.prompt });
    const body: Record<string, unknown> = { model: this.o.model, messages, max_tokens: req.maxTokens };
    if (req.temperature !== undefined) body.temperature = req.temperature;
    const headers: Record<string, string> = { "content-type": "application/json", accept: "application/json" };
    if (this.o.apiKey) headers.authorization = `Bearer ${this.o.apiKey}`;

    let res: Response;
    let raw: string;
    try {
      res = await this.fetchImpl(this.url, { method: "POST", headers, body: JSON.stringify(body), signal });
      raw = await res.text();
    } catch (e) {
      if (signal.aborted) throw abortError(signal);
      throw new SyscallError("EIO", `llm request failed: ${(e as Error)?.message ?? String(e)}`);
    }
    if (!res.ok) throw new SyscallError("EIO", `llm endpoint returned HTTP ${res.status}`);

    let json: any;
    try { json = JSON.parse(raw); } catch { throw new SyscallError("EINVAL", "llm endpoint returned a body that is not JSON"); }
    const text = json?.choices?.[0]?.message?.content;
    if (typeof text !== "string") throw new SyscallError("EINVAL", "llm response has no choices[0].message.content string");
    const u = json?.usage;
    const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) && v >= 0 ? v : 0);
    return {
      text,
      model: typeof json.model === "string" ? json.model : this.o.model,
      usage: { promptTokens: num(u?.prompt_tokens), completionTokens: num(u?.completion_tokens) },
    };
  }
}

function abortError(signal: AbortSignal): SyscallError {
  const r = signal.reason;
  if (r instanceof SyscallError) return r; // the kernel aborts with ETIMEDOUT on timeout, EIO when the agent dies
  if ((r as Error)?.name === "TimeoutError") return new SyscallError("ETIMEDOUT", "llm request timed out");
  return new SyscallError("EIO", `llm request aborted${r instanceof Error ? `: ${r.message}` : ""}`);
}

export interface LlmToolOptions {
  /** Longest prompt accepted, default 16 000 characters. */
  maxPromptChars?: number;
  /** Largest (and default) maxTokens, default 512. */
  maxTokens?: number;
  /** The tool's timeout in the kernel, default 60 s. */
  timeoutMs?: number;
}

/** The host tool for `sys.tool("llm.generate", { prompt, maxTokens? })`; register it under any name. */
export function llmTool(provider: LlmProvider, opts: LlmToolOptions = {}): ToolSpec {
  const maxPromptChars = opts.maxPromptChars ?? 16_000;
  const maxTokensCap = opts.maxTokens ?? 512;
  return {
    timeoutMs: opts.timeoutMs ?? 60_000,
    async run(args: unknown, ctx: ToolContext): Promise<LlmResponse> {
      if (typeof args !== "object" || args === null || Array.isArray(args)) throw new SyscallError("EINVAL", "llm.generate expects an object { prompt, maxTokens? }");
      const { prompt, maxTokens } = args as { prompt?: unknown; maxTokens?: unknown };
      if (typeof prompt !== "string") throw new SyscallError("EINVAL", "prompt must be a string");
      if (prompt.length > maxPromptChars) throw new SyscallError("EINVAL", `prompt has ${prompt.length} characters, more than the ${maxPromptChars} allowed`);
      if (maxTokens !== undefined && (typeof maxTokens !== "number" || !Number.isInteger(maxTokens) || maxTokens <= 0 || maxTokens > maxTokensCap)) {
        throw new SyscallError("EINVAL", `maxTokens must be a positive integer no larger than ${maxTokensCap}`);
      }
      const r = await provider.generate({ prompt, maxTokens: (maxTokens as number | undefined) ?? maxTokensCap }, ctx.signal);
      return { text: r.text, model: r.model, usage: { promptTokens: r.usage.promptTokens, completionTokens: r.usage.completionTokens } };
    },
  };
}
