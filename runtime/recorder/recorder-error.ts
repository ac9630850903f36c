// What a recorder refuses with. The kernel maps any of these to "no effect".

export type RecorderErrorCode =
  /** A write, fsync or open failed: the recorder has failed closed and refuses every later append. */
  | "EIO"
  /** The recorder was closed. */
  | "ECLOSED"
  /** The record cannot be written (not JSON, or a kind only the recorder itself writes). */
  | "EINVAL"
  /** The existing log does not verify (an edit, a bad seal, a broken record): the recorder will not extend it. */
  | "ECHAIN"
  /** The existing log is of another format (acp-flight/1): it still verifies, but is not extended. */
  | "EFORMAT"
  /** A signing key that is not an ed25519 key. */
  | "EKEY";

export class RecorderError extends Error {
  constructor(readonly code: RecorderErrorCode, message: string, options?: { cause?: unknown }) {
    super(`recorder ${code}: ${message}`, options);
    this.name = "RecorderError";
  }

  /** The operating system's errno behind an EIO (ENOSPC, EFBIG, ...), when there is one. */
  get errno(): string | null {
    const c = this.cause as NodeJS.ErrnoException | undefined;
    return typeof c?.code === "string" ? c.code : null;
  }
}
