// `ip(x).inCidr("CIDR")`: parse x as IPv4 or IPv6 text (docs/reference.md), then compare its
// first `prefix` bits with the network address DataBuilder.cidr stored. Every malformed input is
// an answer (0), never a trap: x comes from the request. data.ts `parseIp` is the compile-time
// twin of ip_parse and the reference the tests compare against.
import binaryen from "binaryen";
import { Fn, andThen, i32c, inRange, load8, store8, strLen, strPtr, type Local } from "./dsl.js";
import { IP_HELPERS, NAMES } from "./names.js";

const { i32, i64 } = binaryen;
type M = binaryen.Module;

const DOT = 0x2e;
const COLON = 0x3a;

/** hex_val(c): the value of a hex digit (either case), or -1. */
export function addHexVal(m: M): void {
  const f = new Fn(m, [i32]);
  const [c] = f.params;
  const lower = f.local(i32);
  f.finish(IP_HELPERS.hexVal, i32, [
    f.returnIf(inRange(m, c.get(), 0x30, 10), m.i32.sub(c.get(), i32c(m, 0x30))),
    lower.set(m.i32.or(c.get(), i32c(m, 0x20))), // ASCII case fold; harmless for non-letters, which fail below
    f.returnIf(inRange(m, lower.get(), 0x61, 6), m.i32.sub(lower.get(), i32c(m, 0x61 - 10))),
    i32c(m, -1),
  ]);
}

/** ip4_parse(p, n, out) -> ok: exactly four decimal parts 0–255, no leading zeros but "0". */
export function addIp4Parse(m: M): void {
  const f = new Fn(m, [i32, i32, i32]);
  const [p, n, out] = f.params;
  const [i, c, part, val, digits] = [f.local(i32), f.local(i32), f.local(i32), f.local(i32), f.local(i32)];
  const fail = (cond: binaryen.ExpressionRef) => f.returnIf(cond, i32c(m, 0));
  const endPart = m.block(null, [
    fail(m.i32.or(m.i32.eqz(digits.get()), m.i32.eq(part.get(), i32c(m, 3)))),
    store8(m, m.i32.add(out.get(), part.get()), val.get()),
    part.set(m.i32.add(part.get(), i32c(m, 1))),
    val.set(i32c(m, 0)),
    digits.set(i32c(m, 0)),
  ]);
  const digit = m.block(null, [
    fail(m.i32.eqz(inRange(m, c.get(), 0x30, 10))),
    fail(m.i32.and(m.i32.ne(digits.get(), i32c(m, 0)), m.i32.eqz(val.get()))), // "0" then another digit
    val.set(m.i32.add(m.i32.mul(val.get(), i32c(m, 10)), m.i32.sub(c.get(), i32c(m, 0x30)))),
    digits.set(m.i32.add(digits.get(), i32c(m, 1))),
    fail(m.i32.gt_u(val.get(), i32c(m, 255))), // also bounds the digits: a fourth one exceeds 255
  ]);
  f.finish(IP_HELPERS.ip4Parse, i32, [
    part.set(i32c(m, 0)),
    val.set(i32c(m, 0)),
    digits.set(i32c(m, 0)),
    f.for(i, i32c(m, 0), n.get(), [
      c.set(load8(m, m.i32.add(p.get(), i.get()))),
      m.if(m.i32.eq(c.get(), i32c(m, DOT)), endPart, digit),
    ]),
    fail(m.i32.or(m.i32.eqz(digits.get()), m.i32.ne(part.get(), i32c(m, 3)))),
    store8(m, out.get(), val.get(), 3),
    i32c(m, 1),
  ]);
}

/**
 * ip6_parse(p, n, out) -> ok: RFC 4291 text. Groups are written at out in order; `gap` remembers
 * where `::` stood, and at the end the groups after it move to the back with zeros in between.
 */
export function addIp6Parse(m: M): void {
  const f = new Fn(m, [i32, i32, i32]);
  const [p, n, out] = f.params;
  const [i, g, gap, start, val, digits, h] = [f.local(i32), f.local(i32), f.local(i32), f.local(i32), f.local(i32), f.local(i32), f.local(i32)];
  const fail = (cond: binaryen.ExpressionRef) => f.returnIf(cond, i32c(m, 0));
  const at = (k: Local) => load8(m, m.i32.add(p.get(), k.get()));
  const more = () => m.i32.lt_u(i.get(), n.get());
  const inc = (l: Local, by = 1) => l.set(m.i32.add(l.get(), i32c(m, by)));
  const done = f.label("done");
  const group = f.label("group");

  const leadingGap = m.if(andThen(m, m.i32.ne(n.get(), i32c(m, 0)), m.i32.eq(load8(m, p.get()), i32c(m, COLON))), m.block(null, [
    fail(m.i32.eqz(andThen(m, m.i32.ge_u(n.get(), i32c(m, 2)), m.i32.eq(load8(m, p.get(), 1), i32c(m, COLON))))),
    gap.set(i32c(m, 0)),
    i.set(i32c(m, 2)),
    m.br(done, m.i32.eq(i.get(), n.get())),
  ]));
  const hexDigits = f.while(andThen(m, more(), m.i32.ge_s(h.tee(m.call(IP_HELPERS.hexVal, [at(i)], i32)), i32c(m, 0))), [
    fail(m.i32.eq(digits.get(), i32c(m, 4))),
    val.set(m.i32.or(m.i32.shl(val.get(), i32c(m, 4)), h.get())),
    inc(digits),
    inc(i),
  ]);
  // A dot after the digits: the group was the start of a dotted IPv4 tail, the last two groups.
  const groupOut = () => m.i32.add(out.get(), m.i32.shl(g.get(), i32c(m, 1)));
  const ipv4Tail = m.if(andThen(m, more(), m.i32.eq(at(i), i32c(m, DOT))), m.block(null, [
    fail(m.i32.gt_u(g.get(), i32c(m, 6))),
    fail(m.i32.eqz(m.call(IP_HELPERS.ip4Parse, [m.i32.add(p.get(), start.get()), m.i32.sub(n.get(), start.get()), groupOut()], i32))),
    inc(g, 2),
    m.br(done),
  ]));
  const storeGroup = m.block(null, [
    fail(m.i32.or(m.i32.eqz(digits.get()), m.i32.eq(g.get(), i32c(m, 8)))),
    store8(m, groupOut(), m.i32.shr_u(val.get(), i32c(m, 8))),
    store8(m, groupOut(), val.get(), 1),
    inc(g),
  ]);
  const separator = m.block(null, [
    m.br(done, m.i32.eq(i.get(), n.get())),
    fail(m.i32.ne(at(i), i32c(m, COLON))),
    inc(i),
    m.if(andThen(m, more(), m.i32.eq(at(i), i32c(m, COLON))), m.block(null, [
      fail(m.i32.ne(gap.get(), i32c(m, -1))), // a second `::`
      gap.set(g.get()),
      inc(i),
      m.br(done, m.i32.eq(i.get(), n.get())),
    ])),
  ]);

  f.finish(IP_HELPERS.ip6Parse, i32, [
    i.set(i32c(m, 0)),
    g.set(i32c(m, 0)),
    gap.set(i32c(m, -1)),
    m.block(done, [
      leadingGap,
      m.loop(group, m.block(null, [
        start.set(i.get()),
        val.set(i32c(m, 0)),
        digits.set(i32c(m, 0)),
        hexDigits,
        ipv4Tail,
        storeGroup,
        separator,
        m.br(group),
      ])),
    ]),
    f.returnIf(m.i32.eq(gap.get(), i32c(m, -1)), m.i32.eq(g.get(), i32c(m, 8))),
    fail(m.i32.eq(g.get(), i32c(m, 8))), // `::` must stand for at least one zero group
    m.call(IP_HELPERS.expandGap, [out.get(), gap.get(), g.get()], binaryen.none),
    i32c(m, 1),
  ]);
}

/** expand_gap(out, gap, g): groups [gap, g) move to the end of the 16 bytes; the hole becomes 0. */
export function addExpandGap(m: M): void {
  const f = new Fn(m, [i32, i32, i32]);
  const [out, gap, g] = f.params;
  const [src, dst, k] = [f.local(i32), f.local(i32), f.local(i32)];
  f.finish(IP_HELPERS.expandGap, binaryen.none, [
    src.set(m.i32.add(out.get(), m.i32.shl(gap.get(), i32c(m, 1)))),
    k.set(m.i32.shl(m.i32.sub(g.get(), gap.get()), i32c(m, 1))),
    dst.set(m.i32.sub(m.i32.add(out.get(), i32c(m, 16)), k.get())),
    // Back to front: the ranges overlap when the tail is long and dst > src.
    f.while(m.i32.ne(k.get(), i32c(m, 0)), [
      k.set(m.i32.sub(k.get(), i32c(m, 1))),
      store8(m, m.i32.add(dst.get(), k.get()), load8(m, m.i32.add(src.get(), k.get()))),
    ]),
    f.while(m.i32.lt_u(src.get(), dst.get()), [store8(m, src.get(), i32c(m, 0)), src.set(m.i32.add(src.get(), i32c(m, 1)))]),
  ]);
}

/** ip_parse(s, out) -> 4 | 6 | 0. A valid IPv4 text has no colon and a valid IPv6 text has one,
 * so trying both in turn cannot accept a string twice. */
export function addIpParse(m: M): void {
  const f = new Fn(m, [i64, i32]);
  const [s, out] = f.params;
  const args = () => [strPtr(m, s.get()), strLen(m, s.get()), out.get()];
  f.finish(NAMES.ipParse, i32, [
    f.returnIf(m.call(IP_HELPERS.ip4Parse, args(), i32), i32c(m, 4)),
    f.returnIf(m.call(IP_HELPERS.ip6Parse, args(), i32), i32c(m, 6)),
    i32c(m, 0),
  ]);
}

/** prefix_eq(a, b, bits): the first `bits` bits (most significant first) of a and b agree. */
export function addPrefixEq(m: M): void {
  const f = new Fn(m, [i32, i32, i32]);
  const [a, b, bits] = f.params;
  const [whole, rest] = [f.local(i32), f.local(i32)];
  const diff = m.i32.xor(load8(m, m.i32.add(a.get(), whole.get())), load8(m, m.i32.add(b.get(), whole.get())));
  const mask = m.i32.and(m.i32.shr_u(i32c(m, 0xff00), rest.get()), i32c(m, 0xff)); // the top `rest` bits
  f.finish(IP_HELPERS.prefixEq, i32, [
    whole.set(m.i32.shr_u(bits.get(), i32c(m, 3))),
    rest.set(m.i32.and(bits.get(), i32c(m, 7))),
    f.returnIf(m.i32.eqz(m.call(NAMES.memEq, [a.get(), b.get(), whole.get()], i32)), i32c(m, 0)),
    f.returnIf(m.i32.eqz(rest.get()), i32c(m, 1)),
    m.i32.eqz(m.i32.and(diff, mask)),
  ]);
}

/** ip_in_cidr(s, family, net, prefix): the parsed address goes to 16 scratch bytes from alloc. */
export function addIpInCidr(m: M): void {
  const f = new Fn(m, [i64, i32, i32, i32]);
  const [s, family, net, prefix] = f.params;
  const buf = f.local(i32);
  f.finish(NAMES.ipInCidr, i32, [
    buf.set(m.call(NAMES.alloc, [i32c(m, 16)], i32)),
    f.returnIf(m.i32.ne(m.call(NAMES.ipParse, [s.get(), buf.get()], i32), family.get()), i32c(m, 0)),
    m.call(IP_HELPERS.prefixEq, [buf.get(), net.get(), prefix.get()], i32),
  ]);
}
