// What a recorder refuses with. The kernel maps any of these to "no effect".

export type RecorderErrorCode =
  /** A write, fsync or open failed: the recorder has failed closed and refuses every later append. */
  | "EIO"
  /** The recorder was closed. */
  | "ECLOSED"
  /** The record cannot be written (not JSON, or a kind only the recorder itself writes). */
  | "EINVAL"
  /** The existing log's last record does not hash: the recorder will not extend a broken chain. */
  | "ECHAIN";

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
