// Public API of `agent-control-plane/runtime`. It never imports the compiler: an edge worker ships
// only this and precompiled modules.
export { loadPolicy, PolicyLoadError, sha256Hex, type Policy } from "./policy/load.js";
export { prepareRequest } from "../stdlib/abi/prepare.js";
export { isCanonicalPath, canonicalizePath } from "../stdlib/abi/canonical-path.js";
export { canonicalizeUrl } from "../stdlib/abi/canonical-url.js";
export * from "../stdlib/abi/types.js";
export { Kernel, KernelCore, type KernelCreateOptions, type MountSpec, type Agent } from "./kernel/index.js";
export type { AgentExit, SpawnOptions, ToolSpec, ToolContext, SignalName, Violation, PendingReview } from "./kernel/types.js";
export { DEFAULT_LIMITS, type IsolateLimits } from "./isolate/limits.js";
export { FlightRecorder, RecorderError, verify } from "./recorder/index.js";
export * from "./vfs/index.js";
export { LocalProvider, OpenAiCompatibleProvider, llmTool, type LlmProvider } from "./tools/llm.js";
export { PipeTable, Pipe } from "./pipes/index.js";
export { netFetch, DEFAULT_NET_LIMITS, type NetLimits } from "./net/fetch.js";
export { rowOf, rowsFromLog, renderRows, serveControl, controlRequest, handleControl, OPERATOR_SIGNALS, type AgentRow, type ControlRequest, type ControlResponse, type ControlServer } from "./control/index.js";
export type { RollbackReport } from "./kernel/types.js";
