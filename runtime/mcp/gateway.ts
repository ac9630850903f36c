// The MCP gateway (`acpc mcp`): one upstream MCP server, reached through the SDK's Client, and any
// number of client sessions (one on stdio, or one per Streamable HTTP session), each decided by
// the policy (session.ts). The gateway is also what `acpc ctl` talks to: each session is listed
// as an agent, and a call stopped for review is approved or rejected there.
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { Policy } from "../policy/load.js";
import type { FlightRecorder } from "../recorder/recorder.js";
import { acpToolName } from "./names.js";
import { Session } from "./session.js";

export interface GatewayOptions {
  upstream: Client;
  policy: Policy;
  recorder?: FlightRecorder;
  role?: string;
  tenant?: string;
  /** Whether a control socket is served: without one, a call the policy stops is refused at once. */
  reviewable?: boolean;
  /** A session ended; `how` is "killed" when the policy ended it. */
  onSessionEnd?: (s: Session, how: "exited" | "killed") => void;
}

export class McpGateway {
  private readonly sessions = new Set<Session>();
  private readonly all: Session[] = [];
  /** MCP name → .acp name, from the upstream's last tools/list; null where two names collide. */
  private names: Map<string, string | null> | null = null;
  /** .acp name → the MCP name it stands for. */
  private owners = new Map<string, string>();

  constructor(private readonly opts: GatewayOptions) {
    // The upstream's notifications (list changed, resource updated, log lines) reach every client;
    // a changed tool list also renews the names calls are decided under.
    opts.upstream.fallbackNotificationHandler = async (n) => {
      if (n.method === "notifications/tools/list_changed") this.names = null;
      for (const s of this.sessions) await s.server.notification(n as Parameters<typeof s.server.notification>[0]).catch(() => undefined);
    };
  }

  /** A new client session on `transport`. */
  async open(transport: Transport): Promise<Session> {
    const o = this.opts;
    const session = new Session({
      upstream: o.upstream, policy: o.policy, recorder: o.recorder, role: o.role ?? "", tenant: o.tenant ?? "", reviewable: Boolean(o.reviewable),
      toolName: (name) => this.toolName(name),
      ended: (s, how) => { this.sessions.delete(s); o.onSessionEnd?.(s, how); },
    }, o.upstream.getServerCapabilities() ?? {});
    this.sessions.add(session);
    this.all.push(session);
    await session.connect(transport);
    return session;
  }

  /** Every session, ended ones included (as `acpc ctl list` shows a kernel's agents). */
  list(): Session[] { return [...this.all]; }

  async close(): Promise<void> {
    await Promise.all([...this.sessions].map((s) => s.server.close().catch(() => undefined)));
  }

  private async toolName(name: string): Promise<string | null> {
    if (!this.names || !this.names.has(name)) await this.refreshNames();
    const n = this.names!.get(name);
    if (n !== undefined) return n;
    // A tool the upstream does not list: decided under its .acp name, unless that name stands for
    // a listed tool (it must not borrow that tool's rules).
    const acp = acpToolName(name);
    return this.owners.has(acp) ? null : acp;
  }

  private async refreshNames(): Promise<void> {
    const names = new Map<string, string | null>();
    const owner = new Map<string, string>();
    let cursor: string | undefined;
    do {
      const page = await this.opts.upstream.listTools(cursor ? { cursor } : undefined);
      for (const t of page.tools) {
        const acp = acpToolName(t.name);
        const other = owner.get(acp);
        if (other !== undefined && other !== t.name) { names.set(t.name, null); names.set(other, null); continue; }
        owner.set(acp, t.name);
        names.set(t.name, acp);
      }
      cursor = page.nextCursor;
    } while (cursor);
    this.names = names;
    this.owners = owner;
  }
}
