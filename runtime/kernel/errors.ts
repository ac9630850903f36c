// Errors a syscall returns to the guest: each has an errno-style code the agent can test.
export type Errno =
  | "EPERM" | "EINVAL" | "ENOENT" | "EEXIST" | "EISDIR" | "ENOTDIR" | "EROFS" | "EACCES" | "ENAMETOOLONG"
  | "EFBIG" | "ENOSPC" | "EIO" | "ENOSYS" | "ETIMEDOUT" | "E2BIG" | "ETOOL" | "EPIPE" | "EAGAIN" | "ECONNREFUSED";

export class SyscallError extends Error {
  constructor(readonly code: Errno, message: string) {
    super(message);
    this.name = "SyscallError";
  }
}

/** Turns anything a backend threw into an errno the guest may see (never a host stack trace). */
export function toSyscallError(e: unknown): SyscallError {
  if (e instanceof SyscallError) return e;
  const code = (e as { code?: unknown })?.code;
  const known = typeof code === "string" && /^E[A-Z0-9]+$/.test(code) ? (code as Errno) : "EIO";
  return new SyscallError(known, String((e as Error)?.message ?? e));
}
