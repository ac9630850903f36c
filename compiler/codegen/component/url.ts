// The component adapter's check of a net.fetch target. The host's encoder needs the WHATWG URL
// parser (a target must be its own canonical serialization); the adapter has none, so it accepts
// a subset of canonical http(s) URLs it can check byte by byte and calls anything else
// unsupported (decided as the violation, with that reason). The subset: `http://` or `https://`;
// a host of lower-case ASCII letters, digits and `-` in non-empty labels, none starting `xn--`
// (Punycode would need checking), or a four-part decimal IPv4 address; a port, when given, without
// leading zeros, at most 65535 and not the scheme's default; a path of RFC 3986 characters with no
// `.` or `..` segment and no `%2e`; a query of the same characters and `?` but `'`. No user info,
// fragment, IPv6 literal, upper case or non-ASCII byte: each of those is a URL the host may accept.
import binaryen from "binaryen";
import { Fn, i32c, inRange, load8, type Expr, type Local } from "../lib/dsl.js";
import { gset } from "./json.js";

const { i32, i64, f64 } = binaryen;
type M = binaryen.Module;

export const URL_FN = "a_url";
/** What a_url leaves for the args record: the host, the port, the path. */
export const URL_OUT = { host: "a_uhost", port: "a_uport", path: "a_upath" } as const;
export const URL_OK = 1, URL_UNSUPPORTED = 2;

export function addUrlCheck(m: M): void {
  m.addGlobal(URL_OUT.host, i64, true, m.i64.const(0n));
  m.addGlobal(URL_OUT.path, i64, true, m.i64.const(0n));
  m.addGlobal(URL_OUT.port, f64, true, m.f64.const(0));
  const f = new Fn(m, [i32, i32]);
  const [p, n] = f.params as [Local, Local];
  const i = f.local(i32), c = f.local(i32), hs = f.local(i32), he = f.local(i32), ls = f.local(i32), def = f.local(i32);
  const port = f.local(i32), ps = f.local(i32), pstart = f.local(i32), pend = f.local(i32), seg = f.local(i32), parts = f.local(i32), v = f.local(i32), numeric = f.local(i32);
  const U = () => m.return(i32c(m, URL_UNSUPPORTED));
  const byte = (k: Expr, off = 0) => load8(m, m.i32.add(p.get(), k), off);
  const cur = () => byte(i.get());
  const inc = () => i.set(m.i32.add(i.get(), i32c(m, 1)));
  const is = (x: Expr, ch: string) => m.i32.eq(x, i32c(m, ch.charCodeAt(0)));
  const starts = (s: string, from: () => Expr) => s.split("").map((ch, k) => is(byte(from(), k), ch)).reduce((a, b) => m.i32.and(a, b));
  const room = (from: () => Expr, k: number) => m.i32.le_u(m.i32.add(from(), i32c(m, k)), n.get());
  const digit = (x: Expr) => inRange(m, x, 0x30, 10);
  const more = () => m.i32.lt_u(i.get(), n.get());
  const any = (x: () => Expr, chars: string) => chars.split("").map((ch) => is(x(), ch)).reduce((a, b) => m.i32.or(a, b));
  const pchar = (x: () => Expr) => m.i32.or(m.i32.or(m.i32.or(digit(x()), inRange(m, x(), 0x61, 26)), inRange(m, x(), 0x41, 26)), any(x, "-._~!$&()*+,;=:@%/"));
  const dotSegment = () => m.i32.or(
    m.i32.and(m.i32.eq(m.i32.sub(i.get(), seg.get()), i32c(m, 1)), is(byte(seg.get()), ".")),
    m.i32.and(m.i32.eq(m.i32.sub(i.get(), seg.get()), i32c(m, 2)), m.i32.and(is(byte(seg.get()), "."), is(byte(seg.get(), 1), "."))));
  const xn = () => m.if(m.i32.and(m.i32.ge_u(m.i32.sub(i.get(), ls.get()), i32c(m, 4)), starts("xn--", () => ls.get())), U());
  const hostEnd = f.label("host"), pathEnd = f.label("path");
  f.finish(URL_FN, i32, [
    m.if(m.i32.and(room(() => i32c(m, 0), 8), starts("https://", () => i32c(m, 0))), m.block(null, [i.set(i32c(m, 8)), def.set(i32c(m, 443))]),
      m.if(m.i32.and(room(() => i32c(m, 0), 7), starts("http://", () => i32c(m, 0))), m.block(null, [i.set(i32c(m, 7)), def.set(i32c(m, 80))]), U())),
    hs.set(i.get()), ls.set(i.get()),
    m.block(hostEnd, [f.forever([
      m.br(hostEnd, m.i32.eqz(more())),
      c.set(cur()),
      m.br(hostEnd, any(() => c.get(), ":/")),
      m.if(is(c.get(), "."), m.block(null, [m.if(m.i32.eq(i.get(), ls.get()), U()), xn(), ls.set(m.i32.add(i.get(), i32c(m, 1)))]),
        m.if(m.i32.eqz(m.i32.or(m.i32.or(digit(c.get()), inRange(m, c.get(), 0x61, 26)), is(c.get(), "-"))), U())),
      inc(),
    ])]),
    he.set(i.get()),
    m.if(m.i32.eq(he.get(), ls.get()), U()),
    xn(),
    // A last label of digits (or `0x…`) makes the host an IPv4 address: only the dotted-decimal form.
    numeric.set(m.i32.and(m.i32.ge_u(m.i32.sub(he.get(), ls.get()), i32c(m, 2)), starts("0x", () => ls.get()))),
    m.if(m.i32.eqz(numeric.get()), m.block(null, [
      numeric.set(i32c(m, 1)),
      f.for(i, ls.get(), he.get(), [m.if(m.i32.eqz(digit(cur())), numeric.set(i32c(m, 0)))]),
    ])),
    m.if(numeric.get(), m.block(null, [
      parts.set(i32c(m, 0)), seg.set(hs.get()), v.set(i32c(m, 0)),
      f.for(i, hs.get(), m.i32.add(he.get(), i32c(m, 1)), [
        m.if(m.i32.or(m.i32.eq(i.get(), he.get()), is(cur(), ".")), m.block(null, [
          m.if(m.i32.or(m.i32.gt_u(v.get(), i32c(m, 255)), m.i32.or(m.i32.gt_u(m.i32.sub(i.get(), seg.get()), i32c(m, 3)),
            m.i32.and(m.i32.gt_u(m.i32.sub(i.get(), seg.get()), i32c(m, 1)), is(byte(seg.get()), "0")))), U()),
          parts.set(m.i32.add(parts.get(), i32c(m, 1))), seg.set(m.i32.add(i.get(), i32c(m, 1))), v.set(i32c(m, 0)),
        ]), m.block(null, [
          m.if(m.i32.eqz(digit(cur())), U()),
          v.set(m.i32.add(m.i32.mul(v.get(), i32c(m, 10)), m.i32.sub(cur(), i32c(m, 0x30)))),
        ])),
      ]),
      m.if(m.i32.ne(parts.get(), i32c(m, 4)), U()),
    ])),
    i.set(he.get()),
    port.set(def.get()),
    m.if(m.i32.and(more(), is(cur(), ":")), m.block(null, [
      inc(), ps.set(i.get()), v.set(i32c(m, 0)),
      f.while(m.i32.and(more(), m.if(more(), digit(cur()), i32c(m, 0))), [
        m.if(m.i32.ge_u(m.i32.sub(i.get(), ps.get()), i32c(m, 5)), U()),
        v.set(m.i32.add(m.i32.mul(v.get(), i32c(m, 10)), m.i32.sub(cur(), i32c(m, 0x30)))),
        inc(),
      ]),
      m.if(m.i32.eq(i.get(), ps.get()), U()),
      m.if(m.i32.and(m.i32.gt_u(m.i32.sub(i.get(), ps.get()), i32c(m, 1)), is(byte(ps.get()), "0")), U()),
      m.if(m.i32.or(m.i32.gt_u(v.get(), i32c(m, 65535)), m.i32.eq(v.get(), def.get())), U()),
      port.set(v.get()),
    ])),
    m.if(m.i32.or(m.i32.eqz(more()), m.i32.eqz(is(cur(), "/"))), U()),
    pstart.set(i.get()), inc(), seg.set(i.get()),
    m.block(pathEnd, [f.forever([
      m.br(pathEnd, m.i32.eqz(more())),
      c.set(cur()),
      m.br(pathEnd, is(c.get(), "?")),
      m.if(is(c.get(), "/"), m.block(null, [m.if(dotSegment(), U()), seg.set(m.i32.add(i.get(), i32c(m, 1)))])),
      m.if(m.i32.and(is(c.get(), "%"), m.i32.and(room(() => i.get(), 3), m.i32.and(is(byte(i.get(), 1), "2"), is(m.i32.or(byte(i.get(), 2), i32c(m, 0x20)), "e")))), U()),
      m.if(m.i32.eqz(pchar(() => c.get())), U()),
      inc(),
    ])]),
    m.if(dotSegment(), U()),
    pend.set(i.get()),
    m.if(more(), m.block(null, [
      inc(),
      f.while(more(), [c.set(cur()), m.if(m.i32.eqz(m.i32.or(pchar(() => c.get()), is(c.get(), "?"))), U()), inc()]),
    ])),
    gset(m, URL_OUT.host, pack(m, m.i32.add(p.get(), hs.get()), m.i32.sub(he.get(), hs.get()))),
    gset(m, URL_OUT.path, pack(m, m.i32.add(p.get(), pstart.get()), m.i32.sub(pend.get(), pstart.get()))),
    gset(m, URL_OUT.port, m.f64.convert_u.i32(port.get())),
    i32c(m, URL_OK),
  ]);
}

function pack(m: M, ptr: Expr, len: Expr): Expr {
  return m.i64.or(m.i64.extend_u(ptr), m.i64.shl(m.i64.extend_u(len), m.i64.const(32n)));
}
