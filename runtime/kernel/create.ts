// `Kernel.create`: the embedding API of DESIGN.md. It builds the mount table (memory by default,
// host directories where asked, read-only /tools and /policy), opens the flight recorder, and
// hands both to a KernelCore.
import { FlightRecorder } from "../recorder/recorder.js";
import type { FileRecorderOptions, MemoryRecorderOptions } from "../recorder/recorder.js";
import { defaultMounts, openHostMounts } from "../vfs/default-mounts.js";
import type { MountSpec as VfsMountSpec } from "../vfs/mount-spec.js";
import type { Backend } from "../vfs/backend.js";
import { Vfs } from "../vfs/vfs.js";
import { checkLimits, type IsolateLimits } from "../isolate/limits.js";
import type { Policy } from "../policy/load.js";
import type { Agent } from "./agent.js";
import { KernelCore, checkKernelOptions, type KernelOptions } from "./kernel.js";
import type { AgentExit, SpawnOptions, ToolSpec } from "./types.js";
import { rowOf, type AgentRow } from "../control/status.js";
import { serveControl, type ControlServer } from "../control/server.js";

export type MountSpec = VfsMountSpec | Backend;

export interface KernelCreateOptions {
  policy: Policy;
  tools?: Record<string, ToolSpec>;
  /** Overrides of the default mount table, e.g. `{ "/mem/semantic": { type: "dir", path: "./data", readOnly: true } }`. */
  mounts?: Record<string, MountSpec>;
  /** A file (group-committed fsync by default) or memory (the default), sealed, and signed with
   * `signKey` (ed25519) when given. */
  recorder?: Omit<FileRecorderOptions, "policy" | "now" | "onSync"> | Omit<MemoryRecorderOptions, "policy" | "now" | "onSync">;
  limits?: Partial<IsolateLimits>;
  agentsPerModule?: number;
  retireModuleAfterBytes?: number;
  termGraceMs?: number;
  net?: KernelOptions["net"];
  pipeTimeoutMs?: number;
  /** Interpreter ticks in a priority-0 scheduling quantum (default 8). */
  quantumTicks?: number;
  /** The policy's source, shown read-only at /policy/<name>.acp. */
  policySource?: string;
  onLog?(agent: Agent, text: string): void;
  /** Ended agents still listed by `list()`, `get()` and `status()`, newest kept (default 10,000). */
  keepEnded?: number;
  /** Checkpoints kept per agent, newest (default 16); older ones are forgotten. */
  checkpointsKept?: number;
}

export class Kernel {
  /** `vfs` is the namespace of the default tenant ""; `namespace(tenant)` gives any tenant's. */
  private constructor(readonly core: KernelCore, readonly vfs: Vfs, readonly recorder: FlightRecorder) {}

  async namespace(tenant: string): Promise<Vfs> {
    return (await this.core.fsFor(tenant)) as Vfs;
  }

  static async create(o: KernelCreateOptions): Promise<Kernel> {
    checkKernelOptions(o); // before anything is opened
    checkLimits(o.limits);
    const m = o.policy.manifest;
    const toolFiles: Record<string, string> = {};
    for (const t of m.tools) toolFiles[`${t.name}.json`] = JSON.stringify({ name: t.name, args: t.param, provided: Boolean(o.tools?.[t.name]) }, null, 2);
    const policyFiles: Record<string, string> = { "manifest.json": JSON.stringify(m, null, 2) };
    if (o.policySource !== undefined) policyFiles[`${m.policy}.acp`] = o.policySource;
    // Memory mounts are per tenant; host-directory and custom mounts are the embedder's, shared as given.
    // A relative host directory resolves against the cwd of this call, not of a tenant's first syscall.
    // (An edge worker has no process, and no host directories either.)
    const baseDir = (globalThis as { process?: { cwd?: () => string } }).process?.cwd?.();
    const mounts = await openHostMounts(o.mounts, baseDir);
    const namespace = async () => new Vfs(await defaultMounts({ tools: toolFiles, policy: policyFiles, mounts }));
    const vfs = await namespace();
    const rec = o.recorder ?? { memory: true };
    const policy = { name: m.policy, hash: m.sourceSha256 };
    const recorder = await FlightRecorder.open({ ...rec, policy });
    const core = new KernelCore({
      policy: o.policy, tools: o.tools, fs: (tenant) => (tenant === "" ? Promise.resolve(vfs) : namespace()), recorder, limits: o.limits,
      agentsPerModule: o.agentsPerModule, retireModuleAfterBytes: o.retireModuleAfterBytes, termGraceMs: o.termGraceMs, onLog: o.onLog, net: o.net, pipeTimeoutMs: o.pipeTimeoutMs, quantumTicks: o.quantumTicks,
      keepEnded: o.keepEnded, checkpointsKept: o.checkpointsKept,
    });
    return new Kernel(core, vfs, recorder);
  }

  spawn(o: SpawnOptions): Promise<Agent> { return this.core.spawn(o); }
  pipeline(...specs: SpawnOptions[]): Promise<Agent[]> { return this.core.pipeline(...specs); }
  rollback(agent: Agent, checkpointId: string, opts?: { scope?: "agent" | "tenant" }): Promise<Agent> { return this.core.rollback(agent, checkpointId, opts); }
  list(): Agent[] { return this.core.list(); }
  get(id: string): Agent | undefined { return this.core.get(id); }
  get policy(): Policy { return this.core.policy; }
  shutdown(): Promise<void> { return this.core.shutdown(); }

  /** One row per agent: state, priority, ticks, syscalls, the review it waits for, how it ended. */
  status(): AgentRow[] { return this.core.list().map(rowOf); }

  /** Serves the operator's control socket (list, approve, reject, signal) at `path`, for `acpc ctl`. */
  serveControl(path: string): Promise<ControlServer> { return serveControl(this.core, path); }

  /** Runs one agent to its end: spawn, then wait. */
  async run(o: SpawnOptions): Promise<AgentExit> {
    return (await this.spawn(o)).wait();
  }
}
