import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SyscallError } from "../kernel/errors.js";
import { canonicalizeUrl } from "../../stdlib/abi/canonical-url.js";
import { DEFAULT_NET_LIMITS, netFetch, type NetLimits } from "./fetch.js";

const sha = (s: string | Buffer) => createHash("sha256").update(s).digest("hex");
const never = new AbortController().signal;
const allow = () => true;

type Seen = { method: string; url: string; headers: IncomingMessage["headers"]; body: string };
const seen: Seen[] = [];
const stream = { written: 0, closed: false, total: 64 * 1024 * 1024 };
let server: Server;
let base: string;

function handle(req: IncomingMessage, res: ServerResponse, body: string): void {
  const u = new URL(req.url ?? "/", "http://x");
  seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
  const redirect = (code: number, to: string) => { res.writeHead(code, { location: to }); res.end("moved"); };
  switch (u.pathname) {
    case "/hello": res.writeHead(200, { "Content-Type": "text/plain; charset=utf-8", "X-Custom": "yes" }); res.end("héllo"); return;
    case "/echo": res.writeHead(201, { "content-type": "application/json" }); res.end(JSON.stringify({ method: req.method, body, headers: req.headers })); return;
    case "/r": { // /r?code=302&n=3 → chain of n redirects to /echo
      const n = Number(u.searchParams.get("n") ?? "1");
      const code = Number(u.searchParams.get("code") ?? "302");
      redirect(code, n <= 1 ? "/echo" : `/r?code=${code}&n=${n - 1}`);
      return;
    }
    case "/odd": redirect(302, `HTTP://127.0.0.1:${(server.address() as AddressInfo).port}/./a/../%7efoo/Echo#frag`); return; // non-canonical spelling
    case "/to-file": redirect(302, "file:///etc/passwd"); return;
    case "/to-js": redirect(301, "javascript:alert(1)"); return;
    case "/loop": redirect(302, "/loop"); return;
    case "/cross": redirect(302, `http://localhost:${(server.address() as AddressInfo).port}/echo`); return;
    case "/big": {
      stream.written = 0; stream.closed = false;
      res.writeHead(200, { "content-type": "application/octet-stream" });
      const chunk = Buffer.alloc(64 * 1024, 0x61);
      res.on("close", () => { stream.closed = true; });
      const pump = () => {
        while (!stream.closed && stream.written < stream.total) {
          stream.written += chunk.length;
          if (!res.write(chunk)) { res.once("drain", pump); return; }
        }
        if (!stream.closed) res.end();
      };
      pump();
      return;
    }
    case "/declared-big": res.writeHead(200, { "content-length": String(10 * 1024 * 1024) }); res.write("x"); return;
    case "/hang": return; // never answers
    case "/slow-body": res.writeHead(200); res.write("start"); return; // headers, then nothing
    default: res.writeHead(404); res.end("nope");
  }
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on("data", (c: Buffer) => parts.push(c));
    req.on("end", () => handle(req, res, Buffer.concat(parts).toString("utf8")));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

const L = (over: Partial<NetLimits> = {}): NetLimits => ({ ...DEFAULT_NET_LIMITS, ...over });
async function code(p: Promise<unknown>): Promise<string> {
  try { await p; } catch (e) { expect(e).toBeInstanceOf(SyscallError); return (e as SyscallError).code; }
  throw new Error("expected a SyscallError");
}

describe("netFetch", () => {
  it("GETs text with lower-cased headers and digests", async () => {
    const r = await netFetch(`${base}/hello`, {}, allow, L(), never);
    expect(r.status).toBe(200);
    expect(r.body).toBe("héllo");
    expect(r.headers["x-custom"]).toBe("yes");
    expect(r.headers["content-type"]).toBe("text/plain; charset=utf-8");
    expect(r.url).toBe(`${base}/hello`);
    expect(r.redirects).toEqual([]);
    expect(r.requestSha256).toBe(sha(""));
    expect(r.responseSha256).toBe(sha(Buffer.from("héllo", "utf8")));
  });

  it("POSTs a body and headers, stripping the ones the agent may not set", async () => {
    const body = JSON.stringify({ a: "ü" });
    const r = await netFetch(`${base}/echo`, {
      method: "post",
      body,
      headers: { "Content-Type": "application/json", "X-Token": "t", Host: "evil.example", "Content-Length": "1", Connection: "close", "Transfer-Encoding": "chunked", Cookie: "c=1" },
    }, allow, L(), never);
    expect(r.status).toBe(201);
    const echo = JSON.parse(r.body);
    expect(echo.method).toBe("POST");
    expect(echo.body).toBe(body);
    expect(echo.headers["x-token"]).toBe("t");
    expect(echo.headers["content-type"]).toBe("application/json");
    expect(echo.headers.cookie).toBe("c=1");
    expect(echo.headers.host).toBe(new URL(base).host);
    expect(echo.headers["content-length"]).toBe(String(Buffer.byteLength(body)));
    expect(echo.headers["transfer-encoding"]).toBeUndefined();
    expect(r.requestSha256).toBe(sha(body));
    expect(r.responseSha256).toBe(sha(Buffer.from(r.body, "utf8")));
  });

  it("rejects bad methods, bodies, headers and URLs with EINVAL", async () => {
    expect(await code(netFetch(`${base}/echo`, { method: "CONNECT" }, allow, L(), never))).toBe("EINVAL");
    expect(await code(netFetch(`${base}/echo`, { method: "GE T" }, allow, L(), never))).toBe("EINVAL");
    expect(await code(netFetch(`${base}/echo`, { method: 5 as never }, allow, L(), never))).toBe("EINVAL");
    expect(await code(netFetch(`${base}/echo`, { method: "POST", body: { a: 1 } as never }, allow, L(), never))).toBe("EINVAL");
    expect(await code(netFetch(`${base}/echo`, { method: "GET", body: "x" }, allow, L(), never))).toBe("EINVAL");
    expect(await code(netFetch(`${base}/echo`, { headers: { a: 1 } as never }, allow, L(), never))).toBe("EINVAL");
    expect(await code(netFetch(`${base}/echo`, { headers: { a: "x\r\nb: y" } }, allow, L(), never))).toBe("EINVAL");
    expect(await code(netFetch(`${base}/echo`, { headers: { "a b": "x" } }, allow, L(), never))).toBe("EINVAL");
    expect(await code(netFetch("file:///etc/passwd", {}, allow, L(), never))).toBe("EINVAL");
    expect(seen.filter((s) => s.url === "/echo" && s.method !== "POST")).toEqual([]);
  });

  it("refuses a request body over maxRequestBytes with E2BIG", async () => {
    const n = seen.length;
    expect(await code(netFetch(`${base}/echo`, { method: "PUT", body: "ab".repeat(600) }, allow, L({ maxRequestBytes: 1000 }), never))).toBe("E2BIG");
    expect(seen.length).toBe(n); // nothing was sent
  });

  it("follows a redirect chain, asking decide for each canonical hop", async () => {
    const hops: { url: string; method: string; size: number }[] = [];
    const r = await netFetch(`${base}/r?code=307&n=3`, { method: "POST", body: "payload" }, (h) => { hops.push(h); return true; }, L(), never);
    expect(r.status).toBe(201);
    expect(JSON.parse(r.body)).toMatchObject({ method: "POST", body: "payload" }); // 307 keeps method and body
    expect(hops).toEqual([
      { url: `${base}/r?code=307&n=2`, method: "POST", size: 7 },
      { url: `${base}/r?code=307&n=1`, method: "POST", size: 7 },
      { url: `${base}/echo`, method: "POST", size: 7 },
    ]);
    expect(r.redirects).toEqual(hops.map((h) => h.url));
    expect(r.url).toBe(`${base}/echo`);
  });

  it("turns 303, and 301/302 on POST, into a GET without body; keeps 308", async () => {
    for (const c of [301, 302, 303]) {
      const hops: { method: string; size: number }[] = [];
      const r = await netFetch(`${base}/r?code=${c}`, { method: "POST", body: "x", headers: { "content-type": "text/plain" } }, async (h) => { hops.push(h); return true; }, L(), never);
      const echo = JSON.parse(r.body);
      expect(echo).toMatchObject({ method: "GET", body: "" });
      expect(echo.headers["content-type"]).toBeUndefined();
      expect(hops).toEqual([{ url: `${base}/echo`, method: "GET", size: 0 }]);
    }
    const r = await netFetch(`${base}/r?code=308`, { method: "PUT", body: "yy" }, allow, L(), never);
    expect(JSON.parse(r.body)).toMatchObject({ method: "PUT", body: "yy" });
    const d = await netFetch(`${base}/r?code=301`, { method: "DELETE" }, allow, L(), never);
    expect(JSON.parse(d.body).method).toBe("DELETE");
  });

  it("passes canonical URLs to decide", async () => {
    const hops: string[] = [];
    const r = await netFetch(`${base}/odd`, {}, (h) => { hops.push(h.url); return true; }, L(), never);
    expect(hops).toEqual([`${base}/%7efoo/Echo`]);
    expect(canonicalizeUrl(hops[0]!)?.href).toBe(hops[0]);
    expect(r.status).toBe(404);
    expect(r.url).toBe(`${base}/%7efoo/Echo`);
  });

  it("fails with EPERM when decide refuses, without contacting the refused hop", async () => {
    const n = seen.length;
    expect(await code(netFetch(`${base}/r?n=2`, {}, (h) => !h.url.includes("n=1"), L(), never))).toBe("EPERM");
    expect(seen.slice(n).map((s) => s.url)).toEqual(["/r?n=2"]);
    expect(await code(netFetch(`${base}/r`, {}, async () => false, L(), never))).toBe("EPERM");
  });

  it("fails with EPERM on a redirect to a non-http scheme, without asking decide", async () => {
    let asked = 0;
    expect(await code(netFetch(`${base}/to-file`, {}, () => { asked++; return true; }, L(), never))).toBe("EPERM");
    expect(await code(netFetch(`${base}/to-js`, {}, () => { asked++; return true; }, L(), never))).toBe("EPERM");
    expect(asked).toBe(0);
  });

  it("drops credentials on a cross-origin redirect", async () => {
    const r = await netFetch(`${base}/cross`, { headers: { Authorization: "Bearer s", Cookie: "c=1", "X-Keep": "k" } }, allow, L(), never);
    const echo = JSON.parse(r.body);
    expect(echo.headers.authorization).toBeUndefined();
    expect(echo.headers.cookie).toBeUndefined();
    expect(echo.headers["x-keep"]).toBe("k");
  });

  it("fails with EIO after too many redirects", async () => {
    let asked = 0;
    expect(await code(netFetch(`${base}/loop`, {}, () => { asked++; return true; }, L({ maxRedirects: 3 }), never))).toBe("EIO");
    expect(asked).toBe(3);
    const ok = await netFetch(`${base}/r?n=3`, {}, allow, L({ maxRedirects: 3 }), never);
    expect(ok.redirects).toHaveLength(3);
    expect(await code(netFetch(`${base}/r`, {}, allow, L({ maxRedirects: 0 }), never))).toBe("EIO");
  });

  it("stops reading a streamed response over maxResponseBytes with E2BIG", async () => {
    const cap = 256 * 1024;
    expect(await code(netFetch(`${base}/big`, {}, allow, L({ maxResponseBytes: cap }), never))).toBe("E2BIG");
    await expect.poll(() => stream.closed, { timeout: 5000 }).toBe(true);
    expect(stream.written).toBeLessThan(stream.total / 2); // the client hung up early; the rest was never sent
  });

  it("refuses a declared content-length over the cap with E2BIG", async () => {
    expect(await code(netFetch(`${base}/declared-big`, {}, allow, L({ maxResponseBytes: 1024 }), never))).toBe("E2BIG");
  });

  it("times out with ETIMEDOUT, waiting for headers or for the body", async () => {
    expect(await code(netFetch(`${base}/hang`, {}, allow, L({ timeoutMs: 200 }), never))).toBe("ETIMEDOUT");
    expect(await code(netFetch(`${base}/slow-body`, {}, allow, L({ timeoutMs: 200 }), never))).toBe("ETIMEDOUT");
  });

  it("fails with ECONNREFUSED on a closed port", async () => {
    const s = createServer();
    await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
    const port = (s.address() as AddressInfo).port;
    await new Promise<void>((r) => s.close(() => r()));
    expect(await code(netFetch(`http://127.0.0.1:${port}/`, {}, allow, L(), never))).toBe("ECONNREFUSED");
  });

  it("fails with EIO when the agent's signal aborts", async () => {
    const c = new AbortController();
    const p = netFetch(`${base}/hang`, {}, allow, L(), c.signal);
    setTimeout(() => c.abort(), 50);
    expect(await code(p)).toBe("EIO");
    expect(await code(netFetch(`${base}/hello`, {}, allow, L(), c.signal))).toBe("EIO");
  });
});
