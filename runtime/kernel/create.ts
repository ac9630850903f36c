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
import { loadPolicy, PolicyLoadError, type LoadOptions, type Policy } from "../policy/load.js";
import type { Agent } from "./agent.js";
import { KernelCore, checkKernelOptions, type KernelOptions, type ShadowCount } from "./kernel.js";
import type { AgentExit, SpawnOptions, ToolSpec } from "./types.js";
import { rowOf, type AgentRow } from "../control/status.js";
import { serveControl, type ControlServer } from "../control/server.js";

export type MountSpec = VfsMountSpec | Backend;

export interface KernelCreateOptions {
  /** A loaded policy, or a bundle's bytes (`acpc build`), loaded here with `trustedKeys`. */
  policy: Policy | Uint8Array;
  /** Public keys (PEM or KeyObject): the policy, and every policy `reload` is given, must come
   * from a bundle signed by one of them (E1011 unsigned, E1012 another key, E1013 altered). */
  trustedKeys?: LoadOptions["trustedKeys"];
  /** Shadow mode: a candidate policy (or a bundle, held to `trustedKeys`) that decides every
   * syscall beside `policy` and never takes effect; where it decides otherwise, its decision is
   * recorded on the syscall's record (`shadow: { effect, rule }`) and counted (`shadowCounts()`). */
  shadow?: Policy | Uint8Array;
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
  private constructor(readonly core: KernelCore, readonly vfs: Vfs, readonly recorder: FlightRecorder, private readonly trust: LoadOptions["trustedKeys"], private readonly shown: { source: string | undefined }) {}

  async namespace(tenant: string): Promise<Vfs> {
    return (await this.core.fsFor(tenant)) as Vfs;
  }

  static async create(o: KernelCreateOptions): Promise<Kernel> {
    checkKernelOptions(o); // before anything is opened
    checkLimits(o.limits);
    const loaded = await trusted(o.policy, o.trustedKeys);
    const shadow = o.shadow === undefined ? undefined : await trusted(o.shadow, o.trustedKeys);
    const m = loaded.manifest;
    const toolFiles: Record<string, string> = {};
    for (const t of m.tools) toolFiles[`${t.name}.json`] = JSON.stringify({ name: t.name, args: t.param, provided: Boolean(o.tools?.[t.name]) }, null, 2);
    // What /policy shows follows a reload.
    const shown = { source: o.policySource };
    let core: KernelCore | null = null;
    const policyFiles: Record<string, string | (() => string)> = { "manifest.json": () => JSON.stringify((core?.policy ?? loaded).manifest, null, 2) };
    if (o.policySource !== undefined) policyFiles[`${m.policy}.acp`] = () => shown.source ?? `// policy ${m.policy} was reloaded without its source (source SHA-256 ${(core?.policy ?? loaded).manifest.sourceSha256})\n`;
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
    core = new KernelCore({
      policy: loaded, ...(shadow ? { shadow } : {}), tools: o.tools, fs: (tenant) => (tenant === "" ? Promise.resolve(vfs) : namespace()), recorder, limits: o.limits,
      agentsPerModule: o.agentsPerModule, retireModuleAfterBytes: o.retireModuleAfterBytes, termGraceMs: o.termGraceMs, onLog: o.onLog, net: o.net, pipeTimeoutMs: o.pipeTimeoutMs, quantumTicks: o.quantumTicks,
      keepEnded: o.keepEnded, checkpointsKept: o.checkpointsKept,
    });
    return new Kernel(core, vfs, recorder, o.trustedKeys, shown);
  }

  /**
   * Swaps the policy of the running kernel: every syscall from the next one on is decided by
   * `next` (a loaded policy, or a bundle's bytes, held to `trustedKeys` as at create), and running
   * agents keep running. Recorded first, as a `policy` record with the new source digest. The new
   * policy keeps the name and the pipes of the one it replaces (E1014): agents hold pipes, and the
   * log names its policy. `policySource` is what /policy then shows.
   */
  async reload(next: Policy | Uint8Array, opts: { policySource?: string } = {}): Promise<Policy> {
    const policy = await trusted(next, this.trust);
    const now = this.core.policy.manifest, m = policy.manifest;
    if (m.policy !== now.policy) throw new PolicyLoadError("E1014", `a reload keeps the policy's name: this kernel runs \`${now.policy}\`, not \`${m.policy}\``);
    if (JSON.stringify(m.pipes) !== JSON.stringify(now.pipes)) throw new PolicyLoadError("E1014", "a reload keeps the policy's pipes (agents hold them): restart the kernel to change them");
    await this.recorder.append({ kind: "policy", policy: m.policy, policyHash: m.sourceSha256 });
    this.core.swapPolicy(policy);
    this.shown.source = opts.policySource;
    return policy;
  }

  spawn(o: SpawnOptions): Promise<Agent> { return this.core.spawn(o); }
  pipeline(...specs: SpawnOptions[]): Promise<Agent[]> { return this.core.pipeline(...specs); }
  rollback(agent: Agent, checkpointId: string, opts?: { scope?: "agent" | "tenant" }): Promise<Agent> { return this.core.rollback(agent, checkpointId, opts); }
  list(): Agent[] { return this.core.list(); }
  get(id: string): Agent | undefined { return this.core.get(id); }
  get policy(): Policy { return this.core.policy; }
  /** Shadow mode's disagreements so far (see KernelCreateOptions.shadow). */
  shadowCounts(): ShadowCount[] { return this.core.shadowCounts(); }
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

/** The policy to run: bytes are a bundle, loaded with the keys; a loaded policy given with keys
 * must come from a bundle one of them signed. */
async function trusted(p: Policy | Uint8Array, keys: LoadOptions["trustedKeys"]): Promise<Policy> {
  if (p instanceof Uint8Array) return loadPolicy(p, undefined, { trustedKeys: keys });
  if (keys !== undefined && (p.bundle?.signedBy ?? null) === null) {
    throw new PolicyLoadError("E1011", "trustedKeys were given, and this policy was not loaded from a bundle signed by a trusted key (load it with loadPolicy(bundle, undefined, { trustedKeys }))");
  }
  return p;
}
