// The effect behind sys.net.fetch: one HTTP(S) request with redirects followed by hand, so the policy
// decides every hop, and hard caps on request size, response size, hops and time.
import { createHash } from "node:crypto";
import { SyscallError } from "../kernel/errors.js";
import { canonicalizeUrl } from "../../stdlib/abi/canonical-url.js";

export interface FetchInit { method?: string; headers?: Record<string, string>; body?: string }
export interface NetLimits { maxResponseBytes: number; timeoutMs: number; maxRedirects: number; maxRequestBytes: number }
export interface FetchResult {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** The canonical URL of the response actually returned (after redirects). */
  url: string;
  /** The canonical URLs of the hops followed, in order (the first URL excluded). */
  redirects: string[];
  requestSha256: string;
  responseSha256: string;
}
export type HopDecision = (hop: { url: string; method: string; size: number }) => boolean | Promise<boolean>;

export const DEFAULT_NET_LIMITS: NetLimits = Object.freeze({
  maxResponseBytes: 5 * 1024 * 1024,
  timeoutMs: 30_000,
  maxRedirects: 5,
  maxRequestBytes: 1024 * 1024,
});

const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** Request headers the agent may not set: framing and connection management belong to the kernel's HTTP client. */
const STRIPPED = new Set([
  "host", "content-length", "connection", "transfer-encoding", "keep-alive", "upgrade", "te", "trailer",
  "expect", "proxy-connection", "proxy-authorization", "proxy-authenticate",
]);
/** Credentials that do not follow a redirect to another origin. */
const CREDENTIALS = new Set(["authorization", "cookie"]);
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const BAD_VALUE = /[\r\n\0]/;

const sha256 = (data: string | Uint8Array) => createHash("sha256").update(data).digest("hex");
const einval = (why: string) => new SyscallError("EINVAL", why);

function checkLimits(l: NetLimits): void {
  for (const k of ["maxResponseBytes", "timeoutMs", "maxRedirects", "maxRequestBytes"] as const) {
    if (typeof l?.[k] !== "number" || !(l[k] >= 0) || !Number.isFinite(l[k])) throw einval(`net limit ${k} must be a finite number >= 0`);
  }
}

function checkHeaders(raw: unknown): Map<string, string> {
  const out = new Map<string, string>();
  if (raw === undefined || raw === null) return out;
  if (typeof raw !== "object" || Array.isArray(raw)) throw einval("fetch headers must be an object of strings");
  for (const [name, value] of Object.entries(raw)) {
    if (typeof value !== "string") throw einval(`fetch header ${JSON.stringify(name)} must be a string`);
    if (!TOKEN.test(name)) throw einval(`fetch header name ${JSON.stringify(name)} is invalid`);
    if (BAD_VALUE.test(value)) throw einval(`fetch header ${JSON.stringify(name)} has an invalid value`);
    const lower = name.toLowerCase();
    if (STRIPPED.has(lower)) continue;
    out.set(lower, value);
  }
  return out;
}

/** The errno for a failure of undici's fetch (which wraps the socket error in `cause`). */
function networkError(e: unknown): SyscallError {
  const codes: string[] = [];
  const visit = (x: unknown, depth: number) => {
    if (!x || typeof x !== "object" || depth > 4) return;
    const c = (x as { code?: unknown }).code;
    if (typeof c === "string") codes.push(c);
    visit((x as { cause?: unknown }).cause, depth + 1);
    const errs = (x as { errors?: unknown }).errors;
    if (Array.isArray(errs)) for (const y of errs) visit(y, depth + 1);
  };
  visit(e, 0);
  if (codes.includes("ECONNREFUSED")) return new SyscallError("ECONNREFUSED", "connection refused");
  if (codes.some((c) => c === "ETIMEDOUT" || c.startsWith("UND_ERR_") && c.endsWith("TIMEOUT"))) return new SyscallError("ETIMEDOUT", "network timeout");
  if (codes.includes("ENOTFOUND") || codes.includes("EAI_AGAIN")) return new SyscallError("EIO", "host not found");
  return new SyscallError("EIO", `network error${codes.length ? ` (${codes[0]})` : ""}`);
}

/** Reads a body to its end, stopping (and cancelling the stream) the moment it passes `max` bytes. */
async function readCapped(body: ReadableStream<Uint8Array> | null, max: number): Promise<Uint8Array> {
  if (!body) return new Uint8Array(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      reader.cancel().catch(() => {});
      throw new SyscallError("E2BIG", `response body exceeds ${max} bytes`);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) { out.set(c, at); at += c.byteLength; }
  return out;
}

function sameOrigin(a: string, b: string): boolean {
  return new URL(a).origin === new URL(b).origin;
}

/**
 * Performs the fetch. The first URL has already been decided by the kernel; `decide` is asked for every
 * redirect hop with its canonical URL, and a refusal fails the fetch with EPERM.
 */
export async function netFetch(url: string, init: FetchInit, decide: HopDecision, limits: NetLimits, signal: AbortSignal): Promise<FetchResult> {
  checkLimits(limits);
  if (init !== undefined && (init === null || typeof init !== "object")) throw einval("fetch init must be an object");
  const i = init ?? {};
  if (i.method !== undefined && typeof i.method !== "string") throw einval("fetch method must be a string");
  let method = (i.method ?? "GET").toUpperCase();
  if (!METHODS.has(method)) throw einval(`fetch method ${JSON.stringify(i.method)} is not supported`);
  if (i.body !== undefined && i.body !== null && typeof i.body !== "string") throw einval("fetch body must be a string");
  let body: string | undefined = typeof i.body === "string" ? i.body : undefined;
  if (body !== undefined && (method === "GET" || method === "HEAD")) throw einval(`a ${method} request cannot have a body`);
  const requestSha256 = sha256(body ?? "");
  let size = body === undefined ? 0 : Buffer.byteLength(body, "utf8");
  if (size > limits.maxRequestBytes) throw new SyscallError("E2BIG", `request body exceeds ${limits.maxRequestBytes} bytes`);
  const headers = checkHeaders(i.headers);
  const first = canonicalizeUrl(url);
  if (!first) throw einval("fetch needs an http(s) URL");

  if (signal.aborted) throw new SyscallError("EIO", "agent ended");
  // One controller for the whole exchange (all hops and the body), aborted by the deadline or the agent's end.
  const ctl = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => { timedOut = true; ctl.abort(); }, limits.timeoutMs);
  const onAbort = () => ctl.abort();
  signal.addEventListener("abort", onAbort, { once: true });
  const failure = (e: unknown): SyscallError => {
    if (timedOut) return new SyscallError("ETIMEDOUT", `fetch timed out after ${limits.timeoutMs} ms`);
    if (signal.aborted) return new SyscallError("EIO", "agent ended");
    return e instanceof SyscallError ? e : networkError(e);
  };

  try {
    let current = first.href;
    const redirects: string[] = [];
    for (;;) {
      let res: Response;
      try {
        res = await fetch(current, {
          method,
          headers: [...headers],
          body,
          redirect: "manual",
          signal: ctl.signal,
        });
      } catch (e) { throw failure(e); }

      const location = res.headers.get("location");
      if (REDIRECTS.has(res.status) && location !== null) {
        res.body?.cancel().catch(() => {});
        if (redirects.length >= limits.maxRedirects) throw new SyscallError("EIO", `too many redirects (more than ${limits.maxRedirects})`);
        let next: string | null = null;
        try { next = canonicalizeUrl(new URL(location, current).href)?.href ?? null; } catch { next = null; }
        if (!next) throw new SyscallError("EPERM", "redirect to a URL that is not http(s)");
        if (res.status === 303 && method !== "HEAD" || (res.status === 301 || res.status === 302) && method === "POST") {
          method = "GET";
          body = undefined;
          size = 0;
          headers.delete("content-type");
        }
        if (!sameOrigin(current, next)) for (const h of CREDENTIALS) headers.delete(h);
        let ok: boolean;
        try { ok = await decide({ url: next, method, size }); } catch (e) { throw failure(e); }
        if (ctl.signal.aborted) throw failure(undefined);
        if (ok !== true) throw new SyscallError("EPERM", `redirect to ${next} denied by policy`);
        redirects.push(next);
        current = next;
        continue;
      }

      const out: Record<string, string> = {};
      res.headers.forEach((value, name) => {
        const k = name.toLowerCase();
        out[k] = k in out ? `${out[k]}, ${value}` : value;
      });
      const declared = Number(res.headers.get("content-length"));
      if (Number.isFinite(declared) && declared > limits.maxResponseBytes && method !== "HEAD") {
        res.body?.cancel().catch(() => {});
        throw new SyscallError("E2BIG", `response body exceeds ${limits.maxResponseBytes} bytes`);
      }
      let bytes: Uint8Array;
      try { bytes = await readCapped(res.body, limits.maxResponseBytes); } catch (e) { throw failure(e); }
      return {
        status: res.status,
        headers: out,
        body: new TextDecoder("utf-8").decode(bytes),
        url: current,
        redirects,
        requestSha256,
        responseSha256: sha256(bytes),
      };
    }
  } catch (e) {
    ctl.abort();
    throw failure(e);
  } finally {
    clearTimeout(timer);
    signal.removeEventListener("abort", onAbort);
  }
}
