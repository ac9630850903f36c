// The embedding API's types (DESIGN.md, "The kernel"): what a host passes to Kernel.create and
// spawn, and what it gets back from agent.wait().
import type { IsolateLimits } from "../isolate/limits.js";

export const SIGNALS = ["SIGSTOP", "SIGCONT", "SIGINT", "SIGTERM", "SIGKILL", "SIGPOLICY", "SIGTRUST"] as const;
export type SignalName = (typeof SIGNALS)[number];

export type AgentState = "starting" | "running" | "stopped" | "exited" | "crashed" | "killed";

export interface Violation {
  syscall: string;
  target: string;
  effect: "deny" | "kill" | "stop";
  rule: string | null;
  /** What the kernel did: EPERM returned, agent killed, or a review rejected. */
  outcome: "EPERM" | "killed" | "rejected";
  /** Set when the kernel raised a signal other than SIGPOLICY for it (SIGTRUST: cross-tenant). */
  signal?: "SIGTRUST";
}

export interface AgentExit {
  status: "exited" | "crashed" | "killed";
  /** The signal that ended the agent, if one did. */
  signal: SignalName | null;
  /** main()'s return value (JSON) when it returned. */
  result: unknown;
  /** What was thrown, or why the kernel ended the agent. */
  error: { name: string; message: string; code: string | null } | null;
  /** The first 100 violations (each target cut to 1,024 characters); `violationCount` counts them all. */
  violations: Violation[];
  violationCount: number;
  /** Syscalls the agent attempted. */
  syscalls: number;
}

export interface ToolContext {
  agent: { id: string; name: string; role: string; tenant: string };
  /** Aborted when the tool times out or the agent dies. */
  signal: AbortSignal;
}

export interface ToolSpec {
  run(args: any, ctx: ToolContext): unknown | Promise<unknown>;
  /** Default 30 s. */
  timeoutMs?: number;
  /** Largest JSON result, default 1 MiB. */
  maxResultBytes?: number;
}

export interface SpawnOptions {
  source: string;
  name?: string;
  role?: string;
  tenant?: string;
  id?: string;
  labels?: Record<string, string>;
  input?: unknown;
  /** Per-agent overrides of the kernel's limits. */
  limits?: Partial<IsolateLimits>;
  filename?: string;
  /** Scheduling priority from -3 to 3 (default 0): higher runs first within a round, and each
   * step up doubles the ticks of its quantum (each step down halves them). */
  priority?: number;
}

export interface PendingReview {
  syscall: string;
  target: string;
  rule: string | null;
  args: unknown;
}

export type { IsolateLimits };

/** What a rollback put back. */
export interface RollbackReport {
  checkpoint: string;
  label: string;
  scope: "agent" | "tenant";
  /** Files given their checkpointed contents again. */
  restored: string[];
  /** Files that did not exist at the checkpoint, removed. */
  removed: string[];
  /** Files the snapshot does not cover (host-directory mounts, other tenants): left as they are. */
  unrestorable: string[];
  /** Per pipe: messages handed out again to the reader, withdrawn from the sender, or already delivered. */
  pipes: Record<string, { redelivered?: number; withdrawn?: number; delivered?: number }>;
}
