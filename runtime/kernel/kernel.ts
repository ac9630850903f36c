// The kernel: owns the policy, the services, the flight recorder and every agent. Agents are
// spawned into isolates from a per-tenant pool; whatever an agent does, the kernel goes on.
import { randomUUID } from "node:crypto";
import { DEFAULT_LIMITS, checkLimits, type IsolateLimits } from "../isolate/limits.js";
import { IsolatePool } from "../isolate/pool.js";
import type { Policy } from "../policy/load.js";
import type { FlightRecorder } from "../recorder/recorder.js";
import { Agent, type AgentEnv } from "./agent.js";
import { Scheduler } from "./scheduler.js";
import { RateLimits } from "./rate-limits.js";
import { PipeTable } from "../pipes/pipe-table.js";
import type { PipeMark } from "../pipes/pipe.js";
import { SyscallError } from "./errors.js";
import { isWellFormed } from "../../stdlib/utf8.js";
import { DEFAULT_NET_LIMITS, type NetLimits } from "../net/fetch.js";
import type { FileSystem, Services } from "./syscalls.js";
import { openTelemetry } from "./telemetry.js";
import type { RollbackReport, SpawnOptions, ToolSpec } from "./types.js";

/** How often, for one syscall, the shadow policy decided `to` where the enforcing one decided `from`. */
export interface ShadowCount {
  syscall: string;
  from: { effect: string; rule: string | null };
  to: { effect: string; rule: string | null };
  count: number;
}

export interface KernelOptions {
  policy: Policy;
  /** Shadow mode: a candidate policy deciding every syscall beside `policy`, without effect; its
   * disagreements are recorded on the syscall records and counted (`shadowCounts`). */
  shadow?: Policy;
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
  /** Ended agents `list()`, `get()` and `status()` still show, newest kept (default 10,000): a
   * kernel that runs for weeks does not keep every agent it ever ran. */
  keepEnded?: number;
  /** Checkpoints kept per agent (and the agents that continue it after a rollback), newest first
   * (default 16): taking one more forgets the oldest, whose snapshot then holds nothing alive. */
  checkpointsKept?: number;
}

export const DEFAULT_KEEP_ENDED = 10_000;
export const DEFAULT_CHECKPOINTS_KEPT = 16;
/** Characters of a checkpoint's label its descriptor in /state/checkpoints carries. */
export const LABEL_KEPT = 1024;
const RECORDER_ERRORS_KEPT = 100;

export function checkKeepEnded(n: number | undefined): void {
  if (n !== undefined && !(Number.isInteger(n) && n >= 0)) throw new RangeError(`keepEnded must be a whole number >= 0, not ${n}`);
}

/** The kernel's numeric options, checked before anything is opened: an `agentsPerModule` of 0 (or
 * NaN) made every spawn open QuickJS instances for ever, none of which could take the agent. */
export function checkKernelOptions(o: Pick<KernelOptions, "agentsPerModule" | "retireModuleAfterBytes" | "termGraceMs" | "pipeTimeoutMs" | "quantumTicks" | "keepEnded" | "checkpointsKept">): void {
  checkKeepEnded(o.keepEnded);
  // Checked here, not where it is used: a kernel refused after its flight log was opened left the
  // log with an `open` record and no `close`, and its file handle open.
  if (o.checkpointsKept !== undefined && !(Number.isInteger(o.checkpointsKept) && o.checkpointsKept >= 1)) throw new RangeError(`checkpointsKept must be a whole number >= 1, not ${o.checkpointsKept}`);
  for (const [name, min] of [["agentsPerModule", 1], ["retireModuleAfterBytes", 0], ["termGraceMs", 0], ["pipeTimeoutMs", 0], ["quantumTicks", 1]] as const) {
    const n = o[name];
    if (n !== undefined && !(Number.isSafeInteger(n) && n >= min)) throw new RangeError(`${name} must be a whole number >= ${min}, not ${n}`);
  }
}

/**
 * Checks a spawn's options before anything is taken for it, naming the option, and returns the JSON
 * of its input. Before, a function or Symbol as `input` (JSON.stringify gives undefined) or a
 * missing `source` threw inside the isolate's start, which was taken for an abort of the QuickJS
 * instance: every other agent of the tenant was marked crashed. A circular or BigInt input became
 * `null` without a word, and a name, role, tenant or label that is not a string got the agent killed
 * by the policy at its first syscall, as if it had misbehaved.
 */
function checkSpawnOptions(o: SpawnOptions): string {
  if (typeof o !== "object" || o === null) throw new TypeError("spawn needs an options object");
  if (typeof o.source !== "string") throw new TypeError(`spawn source must be a string (the agent module's code), not ${typeof o.source}`);
  for (const key of ["id", "name", "role", "tenant", "filename"] as const) {
    const v = o[key];
    if (v === undefined) continue;
    if (typeof v !== "string") throw new TypeError(`spawn ${key} must be a string, not ${typeof v}`);
    if (!isWellFormed(v)) throw new TypeError(`spawn ${key} holds a lone surrogate (it has no UTF-8 form)`);
  }
  if (o.labels !== undefined) {
    if (typeof o.labels !== "object" || o.labels === null || Array.isArray(o.labels)) throw new TypeError("spawn labels must be an object of strings");
    for (const [k, v] of Object.entries(o.labels)) {
      if (typeof v !== "string") throw new TypeError(`spawn labels[${JSON.stringify(k)}] must be a string, not ${typeof v}`);
      if (!isWellFormed(k) || !isWellFormed(v)) throw new TypeError(`spawn labels[${JSON.stringify(k)}] holds a lone surrogate (it has no UTF-8 form)`);
    }
  }
  if (o.priority !== undefined && !(typeof o.priority === "number" && Number.isFinite(o.priority))) throw new TypeError(`spawn priority must be a number from -3 to 3, not ${String(o.priority)}`);
  let json: string | undefined;
  try { json = JSON.stringify(o.input ?? null); } catch (e) { throw new TypeError(`spawn input must be JSON: ${(e as Error).message}`); }
  if (json === undefined) throw new TypeError(`spawn input must be JSON, not ${typeof o.input}`);
  return json;
}

interface CheckpointPipe { reader: boolean; sender: boolean; mark: PipeMark }

interface Checkpoint {
  /** The agent (lineage) it belongs to. */
  owner: string;
  tenant: string;
  label: string;
  snapshot: unknown;
  pipes: Map<string, CheckpointPipe>;
  /** How many of the owner's file changes came before it. */
  changeIndex: number;
}

export class KernelCore {
  private readonly agents = new Map<string, Agent>();
  /** Ids of ended agents still in `agents`, oldest first (see KernelOptions.keepEnded). */
  private readonly ended: string[] = [];
  private endedHead = 0;
  private readonly pool: IsolatePool;
  private readonly services: Services;
  private readonly checkpoints = new Map<string, Checkpoint>();
  /** Per agent lineage: its checkpoints' ids, oldest first (at most checkpointsKept). */
  private readonly checkpointsOf = new Map<string, string[]>();
  private checkpointSeq = 0;
  private readonly spawnSpecs = new Map<string, { spec: SpawnOptions; pipeline: boolean }>();
  /** Agents restarted by a rollback → the agent they continue (its checkpoints and changes are theirs). */
  private readonly lineage = new Map<string, string>();
  /** Per agent lineage with a checkpoint: the files it wrote or removed since its first one, in order
   * (what a per-agent rollback undoes). Having an entry here is what makes an agent restartable. */
  private readonly changes = new Map<string, { tenant: string; path: string }[]>();
  /** Per lineage: the files (tenant NUL path) in `changes` since its newest checkpoint. */
  private readonly changedSince = new Map<string, Set<string>>();
  /** A tenant's file system namespace, as its agents see it. */
  readonly fsFor: (tenant: string) => Promise<FileSystem>;
  /** The tenants whose namespace has been made (by an agent's syscall, a write into it, or the host). */
  readonly tenants: () => string[];
  /** The policy's typed pipes, one set per tenant. */
  readonly pipes: PipeTable;
  private readonly limits: IsolateLimits;
  private readonly scheduler: Scheduler;
  private rateLimits: RateLimits;
  /** Records that could not be written after the fact (effects fail closed on their own): the
   * first RECORDER_ERRORS_KEPT of them, so a failed recorder under busy agents cannot grow it. */
  readonly recorderErrors: unknown[] = [];
  /** All such failures, kept or not. */
  recorderErrorCount = 0;
  private recorderFailed(e: unknown): void {
    this.recorderErrorCount++;
    if (this.recorderErrors.length >= RECORDER_ERRORS_KEPT) return;
    // Reading the stack formats it, and lets go of the call frames it was taken from (which may
    // hold a QuickJS instance: see Agent.end).
    void (e as Error | undefined)?.stack;
    this.recorderErrors.push(e);
  }
  private closed = false;

  constructor(private readonly opts: KernelOptions) {
    checkLimits(opts.limits);
    checkKernelOptions(opts);
    this.pool = new IsolatePool(opts.agentsPerModule ?? 1000, opts.retireModuleAfterBytes, { ...DEFAULT_LIMITS, ...opts.limits });
    const kept = opts.checkpointsKept ?? DEFAULT_CHECKPOINTS_KEPT;
    this.pipes = new PipeTable(opts.policy.manifest.pipes);
    const namespaces = new Map<string, Promise<FileSystem>>();
    /** Namespaces once they are ready: what a syscall that needs no I/O uses without waiting. */
    const ready = new Map<string, FileSystem>();
    const fs = (tenant: string) => {
      let ns = namespaces.get(tenant);
      if (!ns) {
        namespaces.set(tenant, (ns = opts.fs(tenant)));
        ns.then((v) => { ready.set(tenant, v); }, () => undefined);
      }
      return ns;
    };
    const fsNow = (tenant: string) => ready.get(tenant);
    const fsToRead = (tenant: string) => namespaces.get(tenant) ?? opts.fs(tenant);
    // The default tenant's namespace is made now, so that the first syscalls of the first agents
    // can be answered without waiting for it (a namespace not yet made waits a scheduler turn).
    void fs("");
    this.fsFor = fs;
    this.tenants = () => [...namespaces.keys()];
    const checkpoint = async (agentId: string, tenant: string, label: string) => {
      const vfs = (await fs(tenant)) as FileSystem & { snapshot?(except?: readonly string[]): Promise<unknown> };
      if (!vfs.snapshot) throw new SyscallError("ENOSYS", "this file system cannot take snapshots");
      const agent = this.agents.get(agentId);
      const owner = this.lineage.get(agentId) ?? agentId;
      // The file system and the pipe positions are taken in the same turn: one consistent cut.
      const pipes = new Map<string, CheckpointPipe>();
      for (const d of opts.policy.manifest.pipes) {
        const reader = d.to === agent?.name, sender = d.from === agent?.name;
        if (!reader && !sender) continue;
        pipes.set(d.name, { reader, sender, mark: this.pipes.get(tenant, d.name)!.mark() });
      }
      // Not /state/checkpoints: a rollback never restores it, and held in every snapshot, each new
      // descriptor copied the directory for the snapshot before it (kernel memory grew with the
      // square of the checkpoints kept: 4,000 one-checkpoint agents held 314 MB).
      const snapshot = vfs.snapshot(["/state/checkpoints"]);
      // From an agent's first checkpoint on, its file changes are kept (what a rollback undoes).
      let list = this.changes.get(owner);
      if (!list) this.changes.set(owner, (list = []));
      const changeIndex = list.length;
      this.changedSince.set(owner, new Set());
      const id = `cp-${++this.checkpointSeq}`;
      this.checkpoints.set(id, { owner, tenant, label, snapshot: await snapshot, pipes, changeIndex });
      // Snapshots share what did not change, but an agent that rewrites a big file between
      // checkpoints made each one hold its own copy, for ever: 6,000 of them ran the host out of
      // memory. Only the newest are kept.
      let ids = this.checkpointsOf.get(owner);
      if (!ids) this.checkpointsOf.set(owner, (ids = []));
      ids.push(id);
      const forgotten: string[] = [];
      while (ids.length > kept) { const old = ids.shift()!; this.checkpoints.delete(old); forgotten.push(old); }
      // The descriptor is written after the snapshot, so it is not inside it. It counts against the
      // tenant's /state quota, so it carries at most LABEL_KEPT characters of the label, and goes
      // with its checkpoint: one agent's checkpoints must not fill the tenant's quota for the others.
      const positions = Object.fromEntries([...pipes].map(([name, p]) => [name, { reader: p.reader, sender: p.sender, sendSeq: p.mark.sendSeq, readSeq: p.mark.readSeq }]));
      const shown = label.length > LABEL_KEPT ? { label: label.slice(0, LABEL_KEPT), labelLength: label.length } : { label };
      await vfs.write(`/state/checkpoints/${id}.json`, JSON.stringify({ id, agent: agentId, ...shown, at: new Date().toISOString(), pipes: positions }));
      for (const old of forgotten) await vfs.remove(`/state/checkpoints/${old}.json`).catch(() => undefined);
      return id;
    };
    const touched = (agentId: string, tenant: string, path: string) => {
      // Only agents with a checkpoint can be rolled back: the others' writes are not tracked.
      const owner = this.lineage.get(agentId) ?? agentId;
      const list = this.changes.get(owner);
      if (!list) return;
      // A rollback needs each path once after each checkpoint: kept at every write, an agent
      // rewriting one file after a checkpoint held 4 KB per write for ever (400 MB at maxSyscalls).
      const key = `${tenant}\u0000${path}`, since = this.changedSince.get(owner);
      if (since?.has(key)) return;
      since?.add(key);
      list.push({ tenant, path });
    };
    this.services = { fs, fsNow, fsToRead, tools: opts.tools ?? {}, pipes: this.pipes, net: { ...DEFAULT_NET_LIMITS, ...opts.net }, pipeTimeoutMs: opts.pipeTimeoutMs ?? 30_000, checkpoint, touched };
    this.limits = { ...DEFAULT_LIMITS, ...opts.limits };
    this.scheduler = new Scheduler(opts.quantumTicks);
    this.rateLimits = new RateLimits(opts.policy.manifest);
  }

  private shared: AgentEnv | null = null;

  /** What every agent needs of its kernel: one object, shared by all of them. */
  private get env(): AgentEnv {
    return (this.shared ??= {
      policy: this.opts.policy,
      ...(this.opts.shadow ? { shadow: this.opts.shadow, onShadow: (request, decision, shadow) => this.countShadow(request.syscall, decision, shadow) } : {}),
      telemetry: openTelemetry(() => this.scheduler.waiting),
      services: this.services,
      recorder: this.opts.recorder,
      limits: this.rateLimits,
      onRecorderError: (e) => this.recorderFailed(e),
      schedule: (a) => this.scheduler.enqueue(a),
      onEnd: (a, slot, bytes) => {
        this.pool.release(slot, bytes);
        this.forgetOldEnded(a.id);
        this.rateLimits.forget(a.id);
        // An agent that took no checkpoint can never be rolled back: its spec need not be kept.
        if (!this.changes.has(this.lineage.get(a.id) ?? a.id)) { this.spawnSpecs.delete(a.id); this.lineage.delete(a.id); }
        // An instance that aborted takes its other agents with it, and only them.
        if (slot.poisoned) for (const other of this.agents.values()) if (!other.exit && other.slot === slot) other.end("crashed", null, { name: "IsolateAbort", message: "the QuickJS instance this agent shared aborted", code: "EABORT" });
      },
      termGraceMs: this.opts.termGraceMs ?? 2000,
      onLog: this.opts.onLog,
    });
  }

  /** Keeps the newest `keepEnded` ended agents listed; older ones are forgotten (their holders
   * still have them, and a rollback of one still works from the Agent object). */
  private forgetOldEnded(id: string): void {
    this.ended.push(id);
    const keep = this.opts.keepEnded ?? DEFAULT_KEEP_ENDED;
    while (this.ended.length - this.endedHead > keep) {
      const old = this.ended[this.endedHead]!;
      this.ended[this.endedHead++] = "";
      if (this.agents.get(old)?.exit) this.agents.delete(old);
    }
    // Compact the queue now and then rather than shifting it on every end.
    if (this.endedHead > 1024 && this.endedHead * 2 > this.ended.length) { this.ended.splice(0, this.endedHead); this.endedHead = 0; }
  }

  get policy(): Policy { return this.opts.policy; }

  /** Shadow mode's disagreements so far, per syscall, enforcing decision and candidate decision. */
  shadowCounts(): ShadowCount[] {
    return [...this.shadowTally.values()].map((c) => ({ ...c, from: { ...c.from }, to: { ...c.to } }));
  }

  private readonly shadowTally = new Map<string, ShadowCount>();
  private countShadow(syscall: string, decision: { effect: string; rule: string | null }, shadow: { effect: string; rule: string | null }): void {
    const key = JSON.stringify([syscall, decision.effect, decision.rule, shadow.effect, shadow.rule]);
    const c = this.shadowTally.get(key);
    if (c) c.count++;
    else this.shadowTally.set(key, { syscall, from: { effect: decision.effect, rule: decision.rule }, to: { effect: shadow.effect, rule: shadow.rule }, count: 1 });
  }

  /**
   * Decides every syscall from now on with `next` (between two syscalls: nothing is decided by a
   * mix); running agents keep running. Its declared rate limits start afresh. The caller has
   * checked that it keeps the policy's name and pipes, and recorded it.
   */
  swapPolicy(next: Policy): void {
    (this.opts as { policy: Policy }).policy = next;
    this.rateLimits = new RateLimits(next.manifest);
    if (this.shared) { this.shared.policy = next; this.shared.limits = this.rateLimits; }
  }

  async spawn(o: SpawnOptions): Promise<Agent> {
    return this.spawnAs(o, false);
  }

  private async spawnAs(o: SpawnOptions, pipeline: boolean, continues?: string): Promise<Agent> {
    if (this.closed) throw new Error("the kernel is shut down");
    const inputJson = checkSpawnOptions(o);
    const id = o.id ?? this.freshId();
    if (this.taken(id)) throw new Error(`an agent with id ${id} exists`);
    checkLimits(o.limits, "spawn limits");
    if (continues !== undefined) this.lineage.set(id, continues);
    const tenant = o.tenant ?? "";
    // The id is taken from here on: another spawn while this one waits for its instance is refused.
    this.spawning.add(id);
    let slot: Awaited<ReturnType<IsolatePool["acquire"]>>;
    try { slot = await this.pool.acquire(tenant); } finally { this.spawning.delete(id); }
    // A shutdown while the instance was being made: no agent may start after it.
    if (this.closed) { this.pool.release(slot); throw new Error("the kernel is shut down"); }
    const info = { id, name: o.name ?? id, role: o.role ?? "", tenant, labels: { ...(o.labels ?? {}) } };
    const limits = o.limits ? { ...this.limits, ...o.limits } : this.limits;
    const agent = new Agent(id, info, slot, this.pool.takeSpare(slot), limits, this.env, o.priority ?? 0);
    this.agents.set(id, agent);
    this.spawnSpecs.set(id, { spec: o, pipeline });
    if (pipeline) {
      // A pipeline stage that ends closes the pipes it is the declared sender of: its readers see the end.
      void agent.wait().then(() => {
        for (const p of this.opts.policy.manifest.pipes) if (p.from === agent.name) this.pipes.get(agent.tenant, p.name)?.close();
      });
    }
    agent.start(o.source, o.filename ?? `${info.name}.js`, inputJson);
    return agent;
  }

  /** An id no agent the kernel knows of has (8 hex digits collide after tens of thousands of agents). */
  private freshId(): string {
    let id: string;
    do id = randomUUID().slice(0, 8); while (this.taken(id));
    return id;
  }

  /** Ids of spawns waiting for their QuickJS instance. */
  private readonly spawning = new Set<string>();

  /** Ids of listed agents, of agents being spawned, and of forgotten ones a rollback may still continue. */
  private taken(id: string): boolean {
    return this.agents.has(id) || this.spawning.has(id) || this.spawnSpecs.has(id) || this.lineage.has(id) || this.changes.has(id);
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
   * Rolls an agent back to one of its checkpoints and restarts it from its entry point (same name,
   * role, tenant, input and priority; a new id that continues the old one's checkpoints). The agent
   * is killed first if still alive. Then:
   * - scope "agent" (default): the files this agent wrote or removed since the checkpoint get their
   *   checkpointed contents back (or are removed if they did not exist); other agents' changes stay;
   * - scope "tenant": the tenant's whole file system goes back to the snapshot;
   * - either way, the pipes it reads hand out again what it received since the checkpoint, and
   *   messages it sent since then that nobody has received yet are withdrawn (it will send them
   *   again); a pipe it closed by ending is reopened.
   * What was restored is recorded and returned as `agent.restoredFrom`.
   */
  async rollback(agent: Agent, checkpointId: string, opts: { scope?: "agent" | "tenant" } = {}): Promise<Agent> {
    // One rollback of a lineage at a time: two at once would each restart it.
    const owner = this.lineage.get(agent.id) ?? agent.id;
    if (this.rollingBack.has(owner)) throw new SyscallError("EAGAIN", `agent ${agent.id} is being rolled back`);
    this.rollingBack.add(owner);
    try { return await this.rollbackNow(agent, checkpointId, opts); } finally { this.rollingBack.delete(owner); }
  }

  /** Lineages (see `lineage`) with a rollback under way. */
  private readonly rollingBack = new Set<string>();

  private async rollbackNow(agent: Agent, checkpointId: string, opts: { scope?: "agent" | "tenant" }): Promise<Agent> {
    const cp = this.checkpoints.get(checkpointId);
    const owner = this.lineage.get(agent.id) ?? agent.id;
    if (!cp || cp.owner !== owner) throw new SyscallError("ENOENT", `agent ${agent.id} has no checkpoint ${checkpointId}`);
    // The agent, and the agent that continues it if an older one is rolled back: a lineage runs once.
    const live = [agent, ...[...this.agents.values()].filter((a) => !a.exit && (this.lineage.get(a.id) ?? a.id) === owner)];
    for (const a of live) if (!a.exit) a.signal("SIGKILL", "host");
    await Promise.all(live.map((a) => a.wait()));
    const scope = opts.scope ?? "agent";
    const vfs = (await this.fsFor(cp.tenant)) as FileSystem & { restore(s: unknown): Promise<void>; readSnapshot(s: unknown, p: string): Promise<string | null | undefined> };
    const report: RollbackReport = { checkpoint: checkpointId, label: cp.label, scope, restored: [], removed: [], unrestorable: [], pipes: {} };
    const changes = this.changes.get(owner) ?? [];
    if (scope === "tenant") {
      // The checkpoint descriptors stay: they describe checkpoints that still exist.
      await vfs.restore(new Map([...(cp.snapshot as Map<string, unknown>)].filter(([point]) => point !== "/state/checkpoints")));
    } else {
      const paths = new Map<string, { tenant: string; path: string }>();
      for (const c of changes.slice(cp.changeIndex)) paths.set(`${c.tenant}\u0000${c.path}`, c);
      for (const { tenant, path } of paths.values()) {
        const was = tenant === cp.tenant ? await vfs.readSnapshot(cp.snapshot, path) : undefined;
        if (was === undefined) { report.unrestorable.push(tenant === cp.tenant ? path : `/tenants/${tenant}${path}`); continue; }
        if (was === null) {
          await vfs.remove(path).catch((e: { code?: string }) => { if (e?.code !== "ENOENT") throw e; });
          report.removed.push(path);
        } else {
          await vfs.write(path, was);
          report.restored.push(path);
        }
      }
    }
    changes.length = Math.min(changes.length, cp.changeIndex);
    this.changedSince.set(owner, new Set());
    for (const [name, p] of cp.pipes) {
      const pipe = this.pipes.get(cp.tenant, name)!;
      const r: RollbackReport["pipes"][string] = {};
      // Only this agent's messages (sent or received by it, or by the agents it continues).
      const ours = (id: string | undefined) => id !== undefined && (this.lineage.get(id) ?? id) === owner;
      if (p.reader) r.redelivered = pipe.rewind(p.mark, ours);
      if (p.sender) Object.assign(r, pipe.retract(p.mark, ours));
      report.pipes[name] = r;
    }
    this.opts.recorder.append({ kind: "log", agent: { id: agent.id, name: agent.name, tenant: agent.tenant, role: agent.info.role, labels: agent.info.labels },
      text: `kernel: rolled back to ${checkpointId} (${JSON.stringify(cp.label)}), scope ${scope}: ${JSON.stringify({ restored: report.restored, removed: report.removed, unrestorable: report.unrestorable, pipes: report.pipes })}` })
      .catch((e) => this.recorderFailed(e));
    const { spec, pipeline } = this.spawnSpecs.get(agent.id)!;
    const next = await this.spawnAs({ ...spec, id: undefined }, pipeline, owner);
    next.restoredFrom = report;
    return next;
  }

  /**
   * Runs agents as a pipeline wired by their declared pipes: each spec is spawned, and when an
   * agent ends, the pipes it is the declared sender of are closed, so its readers see the end.
   */
  async pipeline(...specs: SpawnOptions[]): Promise<Agent[]> {
    return Promise.all(specs.map((s) => this.spawnAs(s, true)));
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
