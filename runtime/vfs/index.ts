// Public API of the VFS: the namespace, its backends, and the default mount table.
export { VfsError, isVfsError, type VfsErrorCode } from "./errors.js";
export { isBackend, type Backend, type BackendSnapshot, type Stat } from "./backend.js";
export { MemoryBackend, MemorySnapshot, DEFAULT_MEMORY_LIMITS, type MemoryLimits } from "./memory-backend.js";
export { HostDirBackend, type HostDirOptions } from "./host-dir-backend.js";
export { SyntheticBackend, type SyntheticContent, type SyntheticFiles } from "./synthetic-backend.js";
export { MountTable, type Resolved } from "./mount-table.js";
export { Vfs, type VfsSnapshot } from "./vfs.js";
export { mountSpecSchema, parseMountSpec, type MountSpec } from "./mount-spec.js";
export { defaultMounts, MEMORY_MOUNTS, KERNEL_MOUNTS, type DefaultMountOptions } from "./default-mounts.js";
export { MAX_NAME_BYTES, RESERVED_PREFIX } from "./rel-path.js";
export { isCanonicalPath, canonicalizePath, MAX_PATH_BYTES } from "../../stdlib/abi/canonical-path.js";
