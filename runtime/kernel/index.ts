// The embedding API (DESIGN.md, "The kernel"): Kernel.create wires the policy, the VFS mounts, the
// tools and the flight recorder into a KernelCore.
export { KernelCore, type KernelOptions } from "./kernel.js";
export { Kernel, type KernelCreateOptions, type MountSpec } from "./create.js";
export type { Agent } from "./agent.js";
export * from "./types.js";
