// The kernel: owns the policy, the services, the flight recorder and every agent. Agents are
// spawned into isolates from a per-tenant pool; whatever an agent does, the kernel goes on.
import { randomUUID } from "node:crypto";
import { DEFAULT_LIMITS, type IsolateLimits } from "../isolate/limits.js";
import { IsolatePool } from "../isolate/pool.js";
import type { Policy } from "../policy/load.js";
import type { FlightRecorder } from "../recorder/recorder.js";
import { Agent } from "./agent.js";
import { Scheduler } from "./scheduler.js";
import { RateLimits } from "./rate-limits.js";
import { PipeTable } from "../pipes/pipe-table.js";
import { SyscallError } from "./errors.js";
import { DEFAULT_NET_LIMITS, type NetLimits } from "../net/fetch.js";
import type { FileSystem, Services } from "./syscalls.js";
import type { SpawnOptions, ToolSpec } from "./types.js";

export interface KernelOptions {
  policy: Policy;
  tools?: Record<string, ToolSpec>;
  /** Each tenant's file system namespace (called once per tenant, then cached). */
  fs: (tenant: string) => Promise<FileSystem>;
  recorder: FlightRecorder;
  limits?: Partial<IsolateLimits>;
  /** Runtimes per QuickJS module instance before the pool opens another (default 1000). */
  agentsPerModule?: number;
  /** Heap held by ended agents after which a QuickJS instance takes no new agents and is dropped
   * whole once its last agent ends (default 128 MiB). */
  retireModuleAfterBytes?: number;
  /** Time a SIGTERM handler gets before SIGKILL (default 2000 ms). */
  termGraceMs?: number;
  /** Network egress limits (response cap, timeout, redirects). */
  net?: Partial<NetLimits>;
  /** How long a pipe.send waits for room or a pipe.recv for a message (default 30 s). */
  pipeTimeoutMs?: number;
  /** Interpreter ticks in a priority-0 scheduling quantum (default 8; see scheduler.ts). */
  quantumTicks?: number;
  /** Sees each agent log line as it is recorded. */
  onLog?(agent: Agent, text: string): void;
}

export class KernelCore {
  private readonly agents = new Map<string, Agent>();
  private readonly pool: IsolatePool;
  private readonly services: Services;
  private readonly checkpoints = new Map<string, { agentId: string; tenant: string; label: string; snapshot: unknown }>();
  private checkpointSeq = 0;
  private readonly spawnSpecs = new Map<string, SpawnOptions>();
  /** A tenant's file system namespace, as its agents see it. */
  readonly fsFor: (tenant: string) => Promise<FileSystem>;
  /** The policy's typed pipes, one set per tenant. */
  readonly pipes: PipeTable;
  private readonly limits: IsolateLimits;
  private readonly scheduler: Scheduler;
  private readonly rateLimits: RateLimits;
  /** Records that could not be written after the fact (effects fail closed on their own). */
  readonly recorderErrors: unknown[] = [];
  private closed = false;

  constructor(private readonly opts: KernelOptions) {
    this.pool = new IsolatePool(opts.agentsPerModule ?? 1000, opts.retireModuleAfterBytes);
    this.pipes = new PipeTable(opts.policy.manifest.pipes);
    const namespaces = new Map<string, Promise<FileSystem>>();
    const fs = (tenant: string) => {
      let ns = namespaces.get(tenant);
      if (!ns) namespaces.set(tenant, (ns = opts.fs(tenant)));
      return ns;
    };
    this.fsFor = fs;
    const checkpoint = async (agentId: string, tenant: string, label: string) => {
      const vfs = (await fs(tenant)) as FileSystem & { snapshot?(): Promise<unknown> };
      if (!vfs.snapshot) throw new SyscallError("ENOSYS", "this file system cannot take snapshots");
      const snapshot = await vfs.snapshot();
      const id = `cp-${++this.checkpointSeq}`;
      this.checkpoints.set(id, { agentId, tenant, label, snapshot });
      // The descriptor is written after the snapshot, so it is not inside it.
      await vfs.write(`/state/checkpoints/${id}.json`, JSON.stringify({ id, agent: agentId, label, at: new Date().toISOString() }));
      return id;
    };
    this.services = { fs, tools: opts.tools ?? {}, pipes: this.pipes, net: { ...DEFAULT_NET_LIMITS, ...opts.net }, pipeTimeoutMs: opts.pipeTimeoutMs ?? 30_000, checkpoint };
    this.limits = { ...DEFAULT_LIMITS, ...opts.limits };
    this.scheduler = new Scheduler(opts.quantumTicks);
    this.rateLimits = new RateLimits(opts.policy.manifest);
  }

  get policy(): Policy { return this.opts.policy; }

  async spawn(o: SpawnOptions): Promise<Agent> {
    if (this.closed) throw new Error("the kernel is shut down");
    const id = o.id ?? randomUUID().slice(0, 8);
    if (this.agents.has(id)) throw new Error(`an agent with id ${id} exists`);
    const tenant = o.tenant ?? "";
    const slot = await this.pool.acquire(tenant);
    const info = { id, name: o.name ?? id, role: o.role ?? "", tenant, labels: { ...(o.labels ?? {}) } };
    const agent = new Agent(id, info, slot, { ...this.limits, ...o.limits }, {
      policy: this.opts.policy,
      services: this.services,
      recorder: this.opts.recorder,
      limits: this.rateLimits,
      onRecorderError: (e) => this.recorderErrors.push(e),
      schedule: (a) => this.scheduler.enqueue(a),
      onEnd: (a, bytes) => {
        this.pool.release(a.slot, bytes);
        this.rateLimits.forget(a.id);
        // An instance that aborted takes its other agents with it, and only them.
        if (a.slot.poisoned) for (const other of this.agents.values()) if (other.slot === a.slot && !other.exit) other.end("crashed", null, { name: "IsolateAbort", message: "the QuickJS instance this agent shared aborted", code: "EABORT" });
      },
      termGraceMs: this.opts.termGraceMs ?? 2000,
      onLog: this.opts.onLog,
    }, o.priority ?? 0);
    this.agents.set(id, agent);
    this.spawnSpecs.set(id, o);
    agent.start(o.source, o.filename ?? `${info.name}.js`, o.input);
    return agent;
  }

  list(): Agent[] {
    return [...this.agents.values()];
  }

  get(id: string): Agent | undefined {
    return this.agents.get(id);
  }

  poolStats() {
    return this.pool.stats();
  }

  /**
   * Rolls an agent back to one of its checkpoints: the agent is killed if still alive, its tenant's
   * file system is restored to the snapshot, and the agent is started again from its entry point
   * (same name, role, tenant and input; a new id). Returns the new agent.
   */
  async rollback(agent: Agent, checkpointId: string): Promise<Agent> {
    const cp = this.checkpoints.get(checkpointId);
    if (!cp || cp.agentId !== agent.id) throw new SyscallError("ENOENT", `agent ${agent.id} has no checkpoint ${checkpointId}`);
    if (!agent.exit) agent.signal("SIGKILL", "host");
    await agent.wait();
    const vfs = (await this.fsFor(cp.tenant)) as FileSystem & { restore(s: unknown): Promise<void> };
    await vfs.restore(cp.snapshot);
    const spec = this.spawnSpecs.get(agent.id)!;
    return this.spawn({ ...spec, id: undefined });
  }

  /**
   * Runs agents as a pipeline wired by their declared pipes: each spec is spawned, and when an
   * agent ends, the pipes it is the declared sender of are closed, so its readers see the end.
   */
  async pipeline(...specs: SpawnOptions[]): Promise<Agent[]> {
    const agents = await Promise.all(specs.map((s) => this.spawn(s)));
    for (const a of agents) {
      void a.wait().then(() => {
        for (const p of this.opts.policy.manifest.pipes) if (p.from === a.name) this.pipes.get(a.tenant, p.name)?.close();
      });
    }
    return agents;
  }

  /** Kills every agent that is still alive and closes the recorder. */
  async shutdown(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const a of this.agents.values()) if (!a.exit) a.signal("SIGKILL", "kernel");
    await Promise.all([...this.agents.values()].map((a) => a.wait()));
    this.pipes.closeAll();
    await new Promise((r) => setTimeout(r, 0));
    await this.opts.recorder.close();
  }
}
