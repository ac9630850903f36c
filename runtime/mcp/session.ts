// One MCP client of the gateway: an SDK Server whose handlers pass the upstream server's answers
// through, but decide every `tools/call` (as `tool.call`, target the tool's .acp name, args its
// arguments) and every `resources/read` (as `fs.read`, target the URI as a path) first. allow →
// forwarded unchanged; deny → an error result naming the rule, never forwarded; kill → the
// session ends; stop → held until an operator approves or rejects it (`acpc ctl`).
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import {
  CallToolRequestSchema, GetPromptRequestSchema, ListPromptsRequestSchema, ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema, ListToolsRequestSchema, McpError, ReadResourceRequestSchema,
  type CallToolResult, type ServerCapabilities,
} from "@modelcontextprotocol/sdk/types.js";
import type { Policy } from "../policy/load.js";
import type { FlightRecorder } from "../recorder/recorder.js";
import type { RecordedAgent } from "../recorder/record.js";
import type { PendingReview, SignalName } from "../kernel/types.js";
import type { Decision } from "../../stdlib/abi/types.js";
import { resourceTarget } from "./names.js";

export interface SessionHost {
  upstream: Client;
  policy: Policy;
  recorder?: FlightRecorder;
  role: string;
  tenant: string;
  /** Whether an operator can answer a stopped call (a control socket is served). */
  reviewable: boolean;
  /** The .acp name a listed tool is decided under, or null when two listed tools share it. */
  toolName(name: string): Promise<string | null>;
  /** Called once the session has ended, with how. */
  ended(s: Session, how: "exited" | "killed"): void;
}

interface Held { review: PendingReview; seq: number; settle(verdict: "approved" | "rejected"): void }

let sessions = 0;

export class Session {
  readonly server: Server;
  readonly id = `mcp-${process.pid}-${++sessions}`;
  state: "running" | "stopped" | "killed" | "exited" = "running";
  syscallCount = 0;
  readonly priority = 0;
  readonly ticks = 0;
  private readonly held: Held[] = [];
  private agentValue: RecordedAgent | null = null;
  /** The signal that ended the session: SIGPOLICY (a kill rule) or an operator's. */
  private endSignal: string | null = null;

  constructor(private readonly host: SessionHost, capabilities: ServerCapabilities) {
    const caps: ServerCapabilities = {};
    if (capabilities.tools) caps.tools = { listChanged: Boolean(capabilities.tools.listChanged) };
    if (capabilities.resources) caps.resources = { listChanged: Boolean(capabilities.resources.listChanged) };
    if (capabilities.prompts) caps.prompts = { listChanged: Boolean(capabilities.prompts.listChanged) };
    const version = host.upstream.getServerVersion();
    this.server = new Server({ name: `acpc mcp (${version?.name ?? "upstream"})`, version: version?.version ?? "0" }, { capabilities: caps });
    const up = host.upstream;
    if (caps.tools) {
      this.server.setRequestHandler(ListToolsRequestSchema, (r) => up.listTools(r.params));
      this.server.setRequestHandler(CallToolRequestSchema, (r) => this.callTool(r.params.name, r.params.arguments ?? {}, r.params));
    }
    if (caps.resources) {
      this.server.setRequestHandler(ListResourcesRequestSchema, (r) => up.listResources(r.params));
      this.server.setRequestHandler(ListResourceTemplatesRequestSchema, (r) => up.listResourceTemplates(r.params));
      this.server.setRequestHandler(ReadResourceRequestSchema, (r) => this.readResource(r.params));
    }
    if (caps.prompts) {
      this.server.setRequestHandler(ListPromptsRequestSchema, (r) => up.listPrompts(r.params));
      this.server.setRequestHandler(GetPromptRequestSchema, (r) => up.getPrompt(r.params));
    }
    this.server.oninitialized = () => { void this.agentEvent("spawned"); };
    this.server.onclose = () => this.end("exited");
  }

  connect(transport: Transport): Promise<void> { return this.server.connect(transport); }

  // ---- what `acpc ctl` sees (runtime/control's LiveAgent) ---------------------------------------

  get name(): string { return this.agent.name; }
  get tenant(): string { return this.host.tenant; }
  get info(): { role: string } { return { role: this.host.role }; }
  get exit(): { signal: string | null; error: null; syscalls: number } | null {
    return this.state === "killed" || this.state === "exited" ? { signal: this.endSignal, error: null, syscalls: this.syscallCount } : null;
  }
  pending(): PendingReview | null { return this.held[0]?.review ?? null; }
  approve(): boolean { return this.answer("approved"); }
  reject(): boolean { return this.answer("rejected"); }
  signal(s: SignalName): void {
    // An MCP session has no guest to pause: SIGSTOP and SIGCONT change nothing; the others end it
    // (SIGKILL as a kill, the others as an exit).
    if (s !== "SIGKILL" && s !== "SIGTERM" && s !== "SIGINT") return;
    if (this.exit) return;
    this.endSignal = s;
    if (s === "SIGKILL") this.state = "killed";
    const recorded = this.host.recorder?.signal(this.agent, s, "host").catch(() => undefined) ?? Promise.resolve();
    void recorded.then(() => this.server.close());
  }

  // ---- decisions ------------------------------------------------------------------------------

  private get agent(): RecordedAgent {
    if (this.agentValue) return this.agentValue;
    const client = this.server.getClientVersion();
    const a: RecordedAgent = { id: this.id, name: client?.name ?? "mcp-client", tenant: this.host.tenant, role: this.host.role };
    // Named once the client has said who it is; before that a call goes under a provisional name.
    if (client) this.agentValue = a;
    return a;
  }

  private async callTool(name: string, args: Record<string, unknown>, params: Parameters<Client["callTool"]>[0]): Promise<CallToolResult> {
    const target = await this.host.toolName(name);
    // Two listed tools that read as one name: neither can be told apart by the policy. Refused.
    const request = { agent: this.agent, syscall: "tool.call", target: target ?? name, args };
    const decision = target === null ? { effect: this.host.policy.manifest.onViolation, rule: null, audit: [] } as Decision : this.host.policy.decide(request);
    return this.gated(request, decision, async () => (await this.host.upstream.callTool(params)) as CallToolResult, (d, why) => refusal(name, d, why));
  }

  private async readResource(params: { uri: string }) {
    const request = { agent: this.agent, syscall: "fs.read", target: resourceTarget(params.uri) };
    const decision = this.host.policy.decide(request);
    return this.gated(request, decision, () => this.host.upstream.readResource(params), (d, why) => {
      throw new McpError(-32001, `${params.uri}: ${why}`, { effect: d.effect, rule: d.rule, code: "EPERM" });
    });
  }

  /** Records, then forwards or refuses, as the decision says. `refuse` gives the caller's answer. */
  private async gated<T>(request: { agent: RecordedAgent; syscall: string; target: string; args?: unknown }, d: Decision, forward: () => Promise<T>, refuse: (d: Decision, why: string) => T): Promise<T> {
    this.syscallCount++;
    const rec = this.host.recorder;
    const why = (verdict?: string) => `${verdict ?? `${d.effect === "deny" ? "denied" : d.effect === "kill" ? "refused, and the session ended" : "refused"}`} by the policy ${this.host.policy.manifest.policy} (rule ${d.rule ?? "none: a violation"}): EPERM`;
    if (d.effect === "deny" || d.effect === "kill" || (d.effect === "stop" && !this.host.reviewable)) {
      const answer = refuse(d, why(d.effect === "stop" ? "stopped for review, with no operator to answer (start with --control PATH)" : undefined));
      await rec?.syscall({ ...request, decision: d, outcome: { ok: false, errno: "EPERM", answer: JSON.stringify(answer) } });
      if (d.effect === "kill") setImmediate(() => void this.kill());
      return answer;
    }
    // An effect: the intent is durable before the upstream server sees the call.
    const seq = rec ? (await rec.syscall({ ...request, decision: d })).seq : -1;
    if (d.effect === "stop") {
      const verdict = await this.hold({ syscall: request.syscall, target: request.target, rule: d.rule, args: request.args ?? null }, seq);
      if (verdict === "rejected") {
        const answer = refuse(d, why("rejected by the operator after a stop"));
        if (rec) await rec.complete({ of: seq, ok: false, errno: "EPERM", answer: JSON.stringify(answer), durationMs: 0 });
        return answer;
      }
    }
    const started = performance.now();
    try {
      const result = await forward();
      if (rec) await rec.complete({ of: seq, ok: !(result as { isError?: boolean }).isError, result, durationMs: ms(started) });
      return result;
    } catch (e) {
      if (rec) await rec.complete({ of: seq, ok: false, errno: "EIO", answer: (e as Error).message, durationMs: ms(started) });
      throw e;
    }
  }

  private hold(review: PendingReview, seq: number): Promise<"approved" | "rejected"> {
    return new Promise((resolve) => {
      this.held.push({ review, seq, settle: resolve });
      this.state = "stopped";
    });
  }

  private answer(verdict: "approved" | "rejected"): boolean {
    const h = this.held[0];
    if (!h || this.exit) return false;
    this.held.shift();
    if (this.held.length === 0) this.state = "running";
    const recorded = this.host.recorder?.append({ kind: "review", agent: this.agent, syscall: h.review.syscall, target: h.review.target, verdict, of: h.seq }) ?? Promise.resolve();
    // The verdict is an authorization like a decision: durable before the call goes on.
    recorded.then(() => h.settle(verdict), () => h.settle("rejected"));
    return true;
  }

  private async kill(): Promise<void> {
    if (this.exit) return;
    this.state = "killed";
    this.endSignal = "SIGPOLICY";
    await this.host.recorder?.signal(this.agent, "SIGPOLICY", "policy").catch(() => undefined);
    await this.server.close();
  }

  private ending = false;
  private end(how: "exited" | "killed"): void {
    if (this.ending) return;
    this.ending = true;
    const final = this.state === "killed" ? "killed" : how;
    this.state = final;
    for (const h of this.held.splice(0)) h.settle("rejected");
    void this.agentEvent(final).finally(() => this.host.ended(this, final));
  }

  private agentEvent(event: "spawned" | "exited" | "killed"): Promise<unknown> {
    return this.host.recorder?.agentEvent(this.agent, event, event === "spawned" ? undefined : { syscalls: this.syscallCount, signal: this.endSignal }).catch(() => undefined) ?? Promise.resolve();
  }
}

function refusal(tool: string, d: Decision, why: string): CallToolResult {
  return {
    content: [{ type: "text", text: `${tool}: ${why}` }],
    isError: true,
    _meta: { "acp/decision": { effect: d.effect, rule: d.rule, code: "EPERM" } },
  };
}

const ms = (since: number) => Math.round((performance.now() - since) * 1000) / 1000;
