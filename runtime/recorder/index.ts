// Public surface of the flight recorder.
export { FlightRecorder, type Ack, type FileRecorderOptions, type MemoryRecorderOptions, type RecorderOptions, type RecorderStats } from "./recorder.js";
export { RecorderError, type RecorderErrorCode } from "./recorder-error.js";
export { canonicalJson, CanonicalJsonError } from "./canonical-json.js";
export { GENESIS_HASH, recomputeHash } from "./chain.js";
export { jsonDigest } from "./digest.js";
export { parseRecorderKey, type RecorderKey } from "./key.js";
export { ARGS_CAP_BYTES, type CompleteInput, type SyscallInput } from "./record-bodies.js";
export { parseRecord } from "./record-schema.js";
export * from "./record.js";
export { checkChain, type BadReason, type FirstBad, type VerifyOptions, type VerifyResult } from "./verify-chain.js";
export { verify, readLog, describeVerdict, type LogSource } from "./verify.js";
export { show, showEntries, type ShowEntry, type ShowOptions } from "./show.js";
