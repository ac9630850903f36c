// Public API of `agent-control-plane/runtime`. It never imports the compiler: an edge worker ships
// only this and precompiled modules.
export { loadPolicy, PolicyLoadError, sha256Hex, type Policy } from "./policy/load.js";
export { prepareRequest } from "./policy/prepare.js";
export { isCanonicalPath, canonicalizePath } from "./vfs/canonical-path.js";
export { canonicalizeUrl } from "./net/canonical-url.js";
export * from "./policy/types.js";
