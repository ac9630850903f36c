// Public surface of the flight recorder.
export { FlightRecorder, type Ack, type FileRecorderOptions, type MemoryRecorderOptions, type RecorderOptions, type RecorderStats } from "./recorder.js";
export { RecorderError, type RecorderErrorCode } from "./recorder-error.js";
export { canonicalJson, CanonicalJsonError } from "./canonical-json.js";
export { answerDigest, jsonDigest } from "./digest.js";
export { ARGS_CAP_BYTES, TARGET_CAP_BYTES, type CompleteInput, type Outcome, type SyscallInput } from "./record-bodies.js";
export { parseRecord } from "./record-schema.js";
export * from "./record.js";
export { LogChecker, type BadReason, type Checkpoint, type CheckOptions, type FirstBad, type VerifyResult } from "./check-log.js";
export { verify, readLog, describeVerdict, recordFromV1, type LogSource, type VerifyOptions } from "./verify.js";
export { checkGrowth, checkProof, parseHead, proveConsistency, proveInclusion, type ConsistencyProof, type InclusionProof, type Proof, type TrustedHead } from "./proofs.js";
export { generateKeyPair, keyId, signKey, trustedKey, type SignKey, type TrustedKey } from "./sign-key.js";
export { parseRecorderKey, type RecorderKey } from "./v1/key.js";
export { show, showEntries, type ShowEntry, type ShowOptions } from "./show.js";
