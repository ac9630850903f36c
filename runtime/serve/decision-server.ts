// The decision server (`acpc serve`): a compiled policy behind HTTP. `POST /v1/decide` takes one
// request or `{ "requests": [...] }` and answers a decision or `{ "decisions": [...] }`;
// `GET /v1/policy`, `/health` and `/metrics` describe it. It never compiles anything: the host
// hands it loaded policies (the CLI compiles; an embedder may load precompiled modules), and
// `reload` swaps one in between two requests, so no request is dropped or decided by a mix.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Policy } from "../policy/load.js";
import type { FlightRecorder } from "../recorder/recorder.js";
import { RecorderError } from "../recorder/recorder-error.js";
import type { RecordedAgent } from "../recorder/record.js";
import type { AgentInfo, Decision, Request } from "../../stdlib/abi/types.js";
import { ServeError } from "./errors.js";
import { ServeMetrics } from "./metrics.js";
import { parseDecideBody, readBody } from "./request-body.js";

/** A policy as the server serves it: the loaded module and the digest it is known by (its
 * source's SHA-256, as the kernel's flight log names a policy). */
export interface ServedPolicy {
  policy: Policy;
  digest: string;
}

export interface DecisionServerOptions {
  policy: ServedPolicy;
  /** Where each decision is logged (one `syscall` record per decision, answered in the call). */
  recorder?: FlightRecorder;
  /** Bodies longer than this are refused with E1203 (default 1 MiB). */
  maxBodyBytes?: number;
}

export const DEFAULT_MAX_BODY = 1 << 20;

const JSON_TYPE = "application/json";

export class DecisionServer {
  readonly metrics = new ServeMetrics();
  private current: ServedPolicy;
  private readonly recorder: FlightRecorder | undefined;
  private readonly maxBody: number;
  private inFlight = 0;
  private drained: (() => void) | null = null;
  private closing: Promise<void> | null = null;

  private constructor(private readonly http: Server, opts: DecisionServerOptions) {
    this.current = opts.policy;
    this.recorder = opts.recorder;
    this.maxBody = opts.maxBodyBytes ?? DEFAULT_MAX_BODY;
    this.metrics.deciding(opts.policy.policy.manifest.policy, opts.policy.digest);
  }

  /** Starts listening (port 0: a free one) and records which policy decides from the start. */
  static async listen(opts: DecisionServerOptions, host: string, port: number): Promise<DecisionServer> {
    const http = createServer();
    const server = new DecisionServer(http, opts);
    await server.logPolicy(opts.policy);
    http.on("request", (req, res) => server.handle(req, res));
    // A malformed request line or header: answered by node itself with 400, never a crash.
    http.on("clientError", (_e, socket) => { if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n"); else socket.destroy(); });
    await new Promise<void>((resolve, reject) => {
      http.once("error", reject);
      http.listen(port, host, () => { http.off("error", reject); resolve(); });
    });
    return server;
  }

  get address(): { host: string; port: number } {
    const a = this.http.address() as AddressInfo;
    return { host: a.address, port: a.port };
  }

  get policy(): ServedPolicy { return this.current; }

  /** Decides with `next` from the next request on; requests already decided keep their answers. */
  async reload(next: ServedPolicy): Promise<void> {
    const logged = this.logPolicy(next);
    this.current = next;
    this.metrics.deciding(next.policy.manifest.policy, next.digest);
    this.metrics.reloaded(true);
    await logged;
  }

  /** A reload that did not happen (the new policy did not compile or load): counted, nothing swapped. */
  reloadFailed(): void { this.metrics.reloaded(false); }

  /** Stops taking connections, lets the requests in flight finish, then ends every connection. */
  close(): Promise<void> {
    return (this.closing ??= new Promise<void>((resolve) => {
      this.http.close(() => resolve());
      this.http.closeIdleConnections();
      const done = () => this.http.closeAllConnections();
      if (this.inFlight === 0) done(); else this.drained = done;
    }));
  }

  private logPolicy(p: ServedPolicy): Promise<unknown> {
    // Appended before the swap: every decision the new policy makes has a later seq.
    return this.recorder ? this.recorder.append({ kind: "policy", policy: p.policy.manifest.policy, policyHash: p.digest }) : Promise.resolve();
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    this.inFlight++;
    res.once("close", () => {
      if (--this.inFlight === 0 && this.drained) { const d = this.drained; this.drained = null; d(); }
    });
    if (this.closing) res.shouldKeepAlive = false;
    this.route(req, res).catch((e) => this.fail(req, res, e));
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const path = q < 0 ? url : url.slice(0, q);
    const method = req.method ?? "GET";
    switch (path) {
      case "/v1/decide":
        if (method !== "POST") throw notAllowed(method, path, "POST");
        return this.decide(req, res);
      case "/v1/policy": {
        onlyGet(method, path);
        const p = this.current;
        const m = p.policy.manifest;
        return send(res, 200, JSON.stringify({ policy: m.policy, version: m.version, digest: p.digest, moduleSha256: m.moduleSha256, manifest: m }));
      }
      case "/health":
        onlyGet(method, path);
        return send(res, 200, JSON.stringify({ ok: true, policy: this.current.policy.manifest.policy, digest: this.current.digest }));
      case "/metrics": {
        onlyGet(method, path);
        const text = await this.metrics.text();
        res.writeHead(200, { "content-type": this.metrics.contentType, "content-length": Buffer.byteLength(text) }).end(text);
        return;
      }
      default:
        throw new ServeError("E1204", `no route ${path} (POST /v1/decide, GET /v1/policy, /health, /metrics)`);
    }
  }

  private async decide(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const body = parseDecideBody((await readBody(req, this.maxBody)).toString("utf8"));
    // One policy for the whole body: a batch is never decided half by the old policy, half by the new.
    const served = this.current;
    const requests = body.batch ? body.requests : [body.request];
    const decisions: Decision[] = new Array(requests.length);
    for (let i = 0; i < requests.length; i++) {
      const d = served.policy.decide(requests[i]);
      decisions[i] = d;
      this.metrics.decided(d.effect);
    }
    const text = body.batch ? JSON.stringify({ decisions }) : JSON.stringify(decisions[0]);
    if (this.recorder) await this.record(requests, decisions);
    res.writeHead(200, { "content-type": JSON_TYPE, "content-length": Buffer.byteLength(text), "acp-policy-digest": served.digest }).end(text);
    this.metrics.answered((performance.now() - started) / 1000, body.batch);
  }

  /** One `syscall` record per decision, answered in the call; the answer only once they are durable. */
  private async record(requests: Request[], decisions: Decision[]): Promise<void> {
    const recorder = this.recorder!;
    const acks = requests.map((r, i) => recorder.syscall({ agent: recordedAgent(r.agent), syscall: r.syscall, target: r.target, args: r.args, decision: decisions[i]!, outcome: { ok: true, answer: JSON.stringify(decisions[i]) } }));
    try {
      await Promise.all(acks);
    } catch (e) {
      // A request the log cannot hold (args that are not JSON values) is the caller's; a recorder
      // that failed is the server's, and it gives no decision it did not log (fail closed).
      if (e instanceof RecorderError && e.code === "EINVAL" && !recorder.failed()) throw new ServeError("E1202", `the request cannot be recorded: ${e.message}`);
      throw new ServeError("E1206", `the flight recorder failed: ${(e as Error).message}`);
    }
  }

  private fail(req: IncomingMessage, res: ServerResponse, e: unknown): void {
    if (!(e instanceof ServeError)) {
      // Not the caller's doing: said as it is, and the server goes on.
      this.metrics.refused("internal");
      if (res.headersSent) { res.destroy(); return; }
      const text = JSON.stringify({ error: { code: "internal", message: (e as Error)?.message ?? String(e) } });
      res.writeHead(500, { "content-type": JSON_TYPE, "content-length": Buffer.byteLength(text) }).end(text);
      return;
    }
    this.metrics.refused(e.code);
    if (res.headersSent) { res.destroy(); return; }
    // A body not read to its end (over-size, or cut off): the connection goes with the answer.
    const close = !req.complete;
    res.writeHead(e.status, { "content-type": JSON_TYPE, "content-length": Buffer.byteLength(e.toJson()), ...(close ? { connection: "close" } : {}) }).end(e.toJson());
    if (close) res.once("finish", () => req.socket.destroySoon());
  }
}

function recordedAgent(a: AgentInfo | undefined): RecordedAgent {
  const out: RecordedAgent = { id: a?.id ?? "", name: a?.name ?? "", tenant: a?.tenant ?? "" };
  if (a?.role !== undefined) out.role = a.role;
  if (a?.labels !== undefined) out.labels = a.labels;
  return out;
}

function send(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { "content-type": JSON_TYPE, "content-length": Buffer.byteLength(text) }).end(text);
}

function onlyGet(method: string, path: string): void {
  if (method !== "GET" && method !== "HEAD") throw notAllowed(method, path, "GET");
}

const notAllowed = (method: string, path: string, allowed: string) => new ServeError("E1205", `${method} ${path}: use ${allowed}`);
