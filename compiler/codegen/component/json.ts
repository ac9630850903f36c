// The JSON half of the component adapter (docs/component.md): a reader of RFC 8259 text in linear
// memory, emitted into the decision module as internal functions. It keeps its state in globals
// (the read position `jp`, the text's end `je`, the write position `pos`) and never traps: a
// function that cannot go on returns 0. Numbers convert exactly or say they did not (`exact`).
import binaryen from "binaryen";
import { Fn, MEM, i32c, load8, inRange, type Expr } from "../lib/dsl.js";

const { i32, i64, f64, none } = binaryen;
type M = binaryen.Module;

export const J = {
  jp: "a_jp", je: "a_je", pos: "a_pos", bad: "a_bad", deep: "a_deep", num: "a_num", exact: "a_exact", sptr: "a_sptr", slen: "a_slen",
  peek: "a_peek", ws: "a_ws", eat: "a_eat", lit: "a_lit", hex: "a_hex", skipStr: "a_skip_str", skip: "a_skip", str: "a_str",
  number: "a_number", grow: "a_grow", reserve: "a_reserve", count: "a_count", obj: "a_obj",
} as const;

/** Values nested deeper than this are not read (JSON.parse would read them; the adapter says so). */
export const MAX_JSON_DEPTH = 512;
/** Nothing is written at or past this address (as the host's encoder, stdlib/abi/encode.ts). */
const MAX_END = 2 ** 30;
const Q = 0x22, BS = 0x5c;

export const g = (m: M, name: string, t: binaryen.Type = i32): Expr => m.global.get(name, t);
export const gset = (m: M, name: string, v: Expr): Expr => m.global.set(name, v);
export const peek = (m: M): Expr => m.call(J.peek, [], i32);
export const isChar = (m: M, c: number): Expr => m.i32.eq(peek(m), i32c(m, c));
export const advance = (m: M, n = 1): Expr => gset(m, J.jp, m.i32.add(g(m, J.jp), i32c(m, n)));
export const align8 = (m: M, x: Expr): Expr => m.i32.and(m.i32.add(x, i32c(m, 7)), i32c(m, ~7));

export function addJsonReader(m: M): void {
  for (const n of [J.jp, J.je, J.pos, J.bad, J.deep, J.exact, J.sptr, J.slen]) m.addGlobal(n, i32, true, i32c(m, 0));
  m.addGlobal(J.num, f64, true, m.f64.const(0));
  addPeek(m); addWs(m); addEat(m); addLit(m); addHex(m); addSkipStr(m); addNumber(m); addSkip(m);
  addGrow(m); addReserve(m); addStr(m); addCount(m);
}

function addPeek(m: M): void {
  new Fn(m, []).finish(J.peek, i32, [m.if(m.i32.lt_u(g(m, J.jp), g(m, J.je)), load8(m, g(m, J.jp)), i32c(m, -1))]);
}

function addWs(m: M): void {
  const f = new Fn(m, []);
  const c = f.local(i32);
  const isWs = m.i32.or(m.i32.or(m.i32.eq(c.get(), i32c(m, 0x20)), m.i32.eq(c.get(), i32c(m, 9))), m.i32.or(m.i32.eq(c.get(), i32c(m, 10)), m.i32.eq(c.get(), i32c(m, 13))));
  f.finish(J.ws, none, [f.while(m.block(null, [c.set(peek(m)), isWs], i32), [advance(m)])]);
}

/** eat(c): skips white space, then c if it is next; 1 when it was. */
function addEat(m: M): void {
  const f = new Fn(m, [i32]);
  f.finish(J.eat, i32, [m.call(J.ws, [], none), f.returnIf(m.i32.eq(peek(m), f.params[0]!.get()), m.block(null, [advance(m), i32c(m, 1)], i32)), i32c(m, 0)]);
}

/** lit(): `true` 1, `false` 0, `null` 2, anything else -1 (consumed when matched). */
function addLit(m: M): void {
  const f = new Fn(m, []);
  const jp = () => g(m, J.jp);
  const room = (n: number) => m.i32.le_u(m.i32.add(jp(), i32c(m, n)), g(m, J.je));
  const word = () => m.i32.load(0, 1, jp(), MEM);
  f.finish(J.lit, i32, [
    m.if(room(4), m.block(null, [
      f.returnIf(m.i32.eq(word(), i32c(m, 0x65757274)), m.block(null, [advance(m, 4), i32c(m, 1)], i32)),
      f.returnIf(m.i32.eq(word(), i32c(m, 0x6c6c756e)), m.block(null, [advance(m, 4), i32c(m, 2)], i32)),
      f.returnIf(m.i32.and(m.i32.and(room(5), m.i32.eq(word(), i32c(m, 0x736c6166))), m.i32.eq(load8(m, jp(), 4), i32c(m, 0x65))),
        m.block(null, [advance(m, 5), i32c(m, 0)], i32)),
    ])),
    i32c(m, -1),
  ]);
}

/** hex(c): the value of a hex digit, or -1. */
function addHex(m: M): void {
  const f = new Fn(m, [i32]);
  const c = f.params[0]!;
  const lc = f.local(i32);
  f.finish(J.hex, i32, [
    f.returnIf(inRange(m, c.get(), 0x30, 10), m.i32.sub(c.get(), i32c(m, 0x30))),
    lc.set(m.i32.or(c.get(), i32c(m, 0x20))),
    f.returnIf(inRange(m, lc.get(), 0x61, 6), m.i32.sub(lc.get(), i32c(m, 0x61 - 10))),
    i32c(m, -1),
  ]);
}

/** skip_str(): at `"`, moves past the closing quote; 0 on a control character, a bad escape or the end. */
function addSkipStr(m: M): void {
  const f = new Fn(m, []);
  const c = f.local(i32);
  const hexAt = (i: number) => m.i32.lt_s(m.call(J.hex, [m.if(m.i32.lt_u(m.i32.add(g(m, J.jp), i32c(m, i)), g(m, J.je)), load8(m, g(m, J.jp), i), i32c(m, -1))], i32), i32c(m, 0));
  const simple = [Q, BS, 0x2f, 0x62, 0x66, 0x6e, 0x72, 0x74].map((x) => m.i32.eq(c.get(), i32c(m, x))).reduce((a, b) => m.i32.or(a, b));
  f.finish(J.skipStr, i32, [
    advance(m),
    f.forever([
      c.set(peek(m)),
      f.returnIf(m.i32.lt_s(c.get(), i32c(m, 0x20)), i32c(m, 0)), // -1 is the end
      f.returnIf(m.i32.eq(c.get(), i32c(m, Q)), m.block(null, [advance(m), i32c(m, 1)], i32)),
      advance(m),
      m.if(m.i32.eq(c.get(), i32c(m, BS)), m.block(null, [
        c.set(peek(m)),
        m.if(simple, advance(m), m.block(null, [
          f.returnIf(m.i32.ne(c.get(), i32c(m, 0x75)), i32c(m, 0)),
          f.returnIf(m.i32.or(m.i32.or(hexAt(1), hexAt(2)), m.i32.or(hexAt(3), hexAt(4))), i32c(m, 0)),
          advance(m, 5),
        ])),
      ])),
    ]),
    i32c(m, 0),
  ]);
}

/**
 * number(): one JSON number at jp into `num`. `exact` is 1 when `num` is the correctly rounded
 * value (always the case when the digits fit 2^53 and the decimal exponent is within ±22, since
 * both factors are then exact doubles, and for an overflow to infinity); 0 when it may not be.
 */
function addNumber(m: M): void {
  const f = new Fn(m, []);
  const neg = f.local(i32), c = f.local(i32), mant = f.local(i64), exp = f.local(i32), exact = f.local(i32);
  const e10 = f.local(i32), eneg = f.local(i32), p = f.local(f64), i = f.local(i32), any = f.local(i32);
  const digit = () => inRange(m, c.get(), 0x30, 10);
  const d64 = () => m.i64.extend_u(m.i32.sub(c.get(), i32c(m, 0x30)));
  const room = () => m.i64.lt_u(mant.get(), m.i64.const(1000000000000000000n));
  const take = (fraction: boolean) => m.if(room(),
    m.block(null, [mant.set(m.i64.add(m.i64.mul(mant.get(), m.i64.const(10n)), d64())), ...(fraction ? [exp.set(m.i32.sub(exp.get(), i32c(m, 1)))] : [])]),
    m.block(null, [m.if(m.i32.ne(c.get(), i32c(m, 0x30)), exact.set(i32c(m, 0))), ...(fraction ? [] : [exp.set(m.i32.add(exp.get(), i32c(m, 1)))])]));
  const digits = (fraction: boolean) => [
    any.set(i32c(m, 0)),
    f.while(m.block(null, [c.set(peek(m)), digit()], i32), [take(fraction), advance(m), any.set(i32c(m, 1))]),
  ];
  f.finish(J.number, i32, [
    exact.set(i32c(m, 1)), mant.set(m.i64.const(0n)), exp.set(i32c(m, 0)),
    neg.set(m.i32.eq(peek(m), i32c(m, 0x2d))),
    m.if(neg.get(), advance(m)),
    c.set(peek(m)),
    m.if(m.i32.eq(c.get(), i32c(m, 0x30)), advance(m), m.block(null, [
      f.returnIf(m.i32.eqz(inRange(m, c.get(), 0x31, 9)), i32c(m, 0)),
      ...digits(false),
    ])),
    m.if(m.i32.eq(peek(m), i32c(m, 0x2e)), m.block(null, [advance(m), ...digits(true), f.returnIf(m.i32.eqz(any.get()), i32c(m, 0))])),
    c.set(m.i32.or(peek(m), i32c(m, 0x20))),
    m.if(m.i32.eq(c.get(), i32c(m, 0x65)), m.block(null, [
      advance(m),
      c.set(peek(m)),
      eneg.set(m.i32.eq(c.get(), i32c(m, 0x2d))),
      m.if(m.i32.or(eneg.get(), m.i32.eq(c.get(), i32c(m, 0x2b))), advance(m)),
      e10.set(i32c(m, 0)), any.set(i32c(m, 0)),
      f.while(m.block(null, [c.set(peek(m)), digit()], i32), [
        m.if(m.i32.lt_u(e10.get(), i32c(m, 100000)), e10.set(m.i32.add(m.i32.mul(e10.get(), i32c(m, 10)), m.i32.sub(c.get(), i32c(m, 0x30))))),
        advance(m), any.set(i32c(m, 1)),
      ]),
      f.returnIf(m.i32.eqz(any.get()), i32c(m, 0)),
      exp.set(m.if(eneg.get(), m.i32.sub(exp.get(), e10.get()), m.i32.add(exp.get(), e10.get()))),
    ])),
    m.if(m.i64.eqz(mant.get()),
      gset(m, J.num, m.f64.const(0)),
      m.if(m.i32.and(exact.get(), m.i32.and(m.i64.le_u(mant.get(), m.i64.const(1n << 53n)), m.i32.le_u(m.i32.add(exp.get(), i32c(m, 22)), i32c(m, 44)))),
        m.block(null, [
          p.set(m.f64.const(1)),
          f.for(i, i32c(m, 0), m.select(m.i32.lt_s(exp.get(), i32c(m, 0)), m.i32.sub(i32c(m, 0), exp.get()), exp.get()), [p.set(m.f64.mul(p.get(), m.f64.const(10)))]),
          gset(m, J.num, m.if(m.i32.lt_s(exp.get(), i32c(m, 0)), m.f64.div(m.f64.convert_u.i64(mant.get()), p.get()), m.f64.mul(m.f64.convert_u.i64(mant.get()), p.get()))),
        ]),
        // mant ≥ 1 and 10^exp > the largest double: JSON.parse gives Infinity too.
        m.if(m.i32.gt_s(exp.get(), i32c(m, 308)), gset(m, J.num, m.f64.const(Infinity)), m.block(null, [gset(m, J.num, m.f64.const(0)), exact.set(i32c(m, 0))])))),
    m.if(neg.get(), gset(m, J.num, m.f64.neg(g(m, J.num, f64)))),
    gset(m, J.exact, exact.get()),
    i32c(m, 1),
  ]);
}

/** skip(depth): moves past one well-formed value; 0 when there is none (or it nests too deep: `deep`). */
function addSkip(m: M): void {
  const f = new Fn(m, [i32]);
  const depth = f.params[0]!;
  const c = f.local(i32);
  const inner = () => f.returnIf(m.i32.eqz(m.call(J.skip, [m.i32.add(depth.get(), i32c(m, 1))], i32)), i32c(m, 0));
  const container = (close: number, member: Expr[]) => m.block(null, [
    advance(m),
    f.returnIf(m.call(J.eat, [i32c(m, close)], i32), i32c(m, 1)),
    f.forever([
      ...member,
      f.returnIf(m.call(J.eat, [i32c(m, close)], i32), i32c(m, 1)),
      f.returnIf(m.i32.eqz(m.call(J.eat, [i32c(m, 0x2c)], i32)), i32c(m, 0)),
    ]),
  ]);
  f.finish(J.skip, i32, [
    f.returnIf(m.i32.gt_u(depth.get(), i32c(m, MAX_JSON_DEPTH)), m.block(null, [gset(m, J.deep, i32c(m, 1)), i32c(m, 0)], i32)),
    m.call(J.ws, [], none),
    c.set(peek(m)),
    f.returnIf(m.i32.eq(c.get(), i32c(m, Q)), m.call(J.skipStr, [], i32)),
    f.returnIf(m.i32.or(m.i32.eq(c.get(), i32c(m, 0x2d)), inRange(m, c.get(), 0x30, 10)), m.call(J.number, [], i32)),
    m.if(m.i32.eq(c.get(), i32c(m, 0x7b)), container(0x7d, [
      m.call(J.ws, [], none),
      f.returnIf(m.i32.ne(peek(m), i32c(m, Q)), i32c(m, 0)),
      f.returnIf(m.i32.eqz(m.call(J.skipStr, [], i32)), i32c(m, 0)),
      f.returnIf(m.i32.eqz(m.call(J.eat, [i32c(m, 0x3a)], i32)), i32c(m, 0)),
      inner(),
    ])),
    m.if(m.i32.eq(c.get(), i32c(m, 0x5b)), container(0x5d, [inner()])),
    m.i32.ne(m.call(J.lit, [], i32), i32c(m, -1)),
  ]);
}

/** grow(end): memory covers [0, end); 0 when end passes MAX_END or memory cannot grow. */
function addGrow(m: M): void {
  const f = new Fn(m, [i32]);
  const end = f.params[0]!;
  const pages = f.local(i32);
  f.finish(J.grow, i32, [
    f.returnIf(m.i32.gt_u(end.get(), i32c(m, MAX_END)), i32c(m, 0)),
    pages.set(m.i32.shr_u(m.i32.add(end.get(), i32c(m, 0xffff)), i32c(m, 16))),
    f.returnIf(m.i32.le_u(pages.get(), m.memory.size(MEM)), i32c(m, 1)),
    m.i32.ne(m.memory.grow(m.i32.sub(pages.get(), m.memory.size(MEM)), MEM), i32c(m, -1)),
  ]);
}

/** reserve(n): n zeroed bytes (n a multiple of 8) at the next 8-aligned `pos`; 0 when they cannot be had. */
function addReserve(m: M): void {
  const f = new Fn(m, [i32]);
  const n = f.params[0]!;
  const at = f.local(i32), i = f.local(i32);
  f.finish(J.reserve, i32, [
    at.set(align8(m, g(m, J.pos))),
    f.returnIf(m.i32.eqz(m.call(J.grow, [m.i32.add(at.get(), n.get())], i32)), i32c(m, 0)),
    f.for(i, i32c(m, 0), n.get(), [m.i64.store(0, 8, m.i32.add(at.get(), i.get()), m.i64.const(0n), MEM), i.set(m.i32.add(i.get(), i32c(m, 7)))]),
    gset(m, J.pos, m.i32.add(at.get(), n.get())),
    at.get(),
  ]);
}

/**
 * str(): the string at jp, unescaped to UTF-8 at `pos` (sptr, slen), pos moved past it. A lone
 * surrogate escape sets `bad` (it has no UTF-8 form: the host's encoder refuses such a string).
 */
function addStr(m: M): void {
  const f = new Fn(m, []);
  const start = f.local(i32), i = f.local(i32), end = f.local(i32), out = f.local(i32), c = f.local(i32), cp = f.local(i32), lo = f.local(i32);
  const hex4 = (at: () => Expr) => m.i32.or(m.i32.or(m.i32.shl(m.call(J.hex, [load8(m, at(), 0)], i32), i32c(m, 12)), m.i32.shl(m.call(J.hex, [load8(m, at(), 1)], i32), i32c(m, 8))),
    m.i32.or(m.i32.shl(m.call(J.hex, [load8(m, at(), 2)], i32), i32c(m, 4)), m.call(J.hex, [load8(m, at(), 3)], i32)));
  const put = (v: Expr) => m.block(null, [m.i32.store8(0, 1, out.get(), v, MEM), out.set(m.i32.add(out.get(), i32c(m, 1)))]);
  const cont = (shift: number) => put(m.i32.or(i32c(m, 0x80), m.i32.and(m.i32.shr_u(cp.get(), i32c(m, shift)), i32c(m, 0x3f))));
  const esc = (code: number, v: number) => m.if(m.i32.eq(c.get(), i32c(m, code)), cp.set(i32c(m, v)));
  f.finish(J.str, i32, [
    m.call(J.ws, [], none),
    f.returnIf(m.i32.ne(peek(m), i32c(m, Q)), i32c(m, 0)),
    start.set(g(m, J.jp)),
    f.returnIf(m.i32.eqz(m.call(J.skipStr, [], i32)), i32c(m, 0)),
    // Unescaped, a string is never longer than its JSON form.
    f.returnIf(m.i32.eqz(m.call(J.grow, [m.i32.add(g(m, J.pos), m.i32.sub(g(m, J.jp), start.get()))], i32)), i32c(m, 0)),
    i.set(m.i32.add(start.get(), i32c(m, 1))),
    end.set(m.i32.sub(g(m, J.jp), i32c(m, 1))),
    out.set(g(m, J.pos)),
    f.while(m.i32.lt_u(i.get(), end.get()), [
      c.set(load8(m, i.get())),
      m.if(m.i32.ne(c.get(), i32c(m, BS)), m.block(null, [put(c.get()), i.set(m.i32.add(i.get(), i32c(m, 1)))]), m.block(null, [
        c.set(load8(m, i.get(), 1)),
        i.set(m.i32.add(i.get(), i32c(m, 2))),
        cp.set(c.get()), // `"`, `\`, `/` stand for themselves
        esc(0x62, 8), esc(0x66, 12), esc(0x6e, 10), esc(0x72, 13), esc(0x74, 9),
        m.if(m.i32.eq(c.get(), i32c(m, 0x75)), m.block(null, [
          cp.set(hex4(() => i.get())),
          i.set(m.i32.add(i.get(), i32c(m, 4))),
          m.if(inRange(m, cp.get(), 0xd800, 0x800), m.block(null, [
            m.if(m.i32.and(m.i32.lt_u(cp.get(), i32c(m, 0xdc00)), m.i32.and(m.i32.le_u(m.i32.add(i.get(), i32c(m, 6)), end.get()),
              m.i32.eq(m.i32.load16_u(0, 1, i.get(), MEM), i32c(m, 0x755c)))), m.block(null, [
              lo.set(hex4(() => m.i32.add(i.get(), i32c(m, 2)))),
              m.if(inRange(m, lo.get(), 0xdc00, 0x400), m.block(null, [
                cp.set(m.i32.add(i32c(m, 0x10000), m.i32.or(m.i32.shl(m.i32.sub(cp.get(), i32c(m, 0xd800)), i32c(m, 10)), m.i32.sub(lo.get(), i32c(m, 0xdc00))))),
                i.set(m.i32.add(i.get(), i32c(m, 6))),
              ])),
            ])),
            m.if(inRange(m, cp.get(), 0xd800, 0x800), gset(m, J.bad, i32c(m, 1))),
          ])),
        ])),
        m.if(m.i32.lt_u(cp.get(), i32c(m, 0x80)), put(cp.get()),
          m.if(m.i32.lt_u(cp.get(), i32c(m, 0x800)), m.block(null, [put(m.i32.or(i32c(m, 0xc0), m.i32.shr_u(cp.get(), i32c(m, 6)))), cont(0)]),
            m.if(m.i32.lt_u(cp.get(), i32c(m, 0x10000)), m.block(null, [put(m.i32.or(i32c(m, 0xe0), m.i32.shr_u(cp.get(), i32c(m, 12)))), cont(6), cont(0)]),
              m.block(null, [put(m.i32.or(i32c(m, 0xf0), m.i32.shr_u(cp.get(), i32c(m, 18)))), cont(12), cont(6), cont(0)])))),
      ])),
    ]),
    gset(m, J.sptr, g(m, J.pos)),
    gset(m, J.slen, m.i32.sub(out.get(), g(m, J.pos))),
    gset(m, J.pos, out.get()),
    i32c(m, 1),
  ]);
}

/** count(): the members of the (well-formed) object or elements of the array at jp; jp is kept. */
function addCount(m: M): void {
  const f = new Fn(m, []);
  const save = f.local(i32), n = f.local(i32), obj = f.local(i32);
  const done = f.label("done");
  f.finish(J.count, i32, [
    save.set(g(m, J.jp)),
    obj.set(isChar(m, 0x7b)),
    advance(m),
    n.set(i32c(m, 0)),
    m.block(done, [
      m.br(done, m.call(J.eat, [m.select(obj.get(), i32c(m, 0x7d), i32c(m, 0x5d))], i32)),
      f.forever([
        m.if(obj.get(), m.block(null, [m.call(J.ws, [], none), m.drop(m.call(J.skipStr, [], i32)), m.drop(m.call(J.eat, [i32c(m, 0x3a)], i32))])),
        m.drop(m.call(J.skip, [i32c(m, 0)], i32)),
        n.set(m.i32.add(n.get(), i32c(m, 1))),
        m.br(done, m.i32.eqz(m.call(J.eat, [i32c(m, 0x2c)], i32))),
      ]),
    ]),
    gset(m, J.jp, save.get()),
    n.get(),
  ]);
}

/**
 * obj(names, stride, n, out, strict): reads the object at jp, storing at out[i] where the value of
 * the member named names[i] (a packed string every `stride` bytes) starts; the last one wins, as
 * in JSON.parse. Another name fails when `strict`. jp ends past the object.
 */
export function addObj(m: M, memEq: string): void {
  const f = new Fn(m, [i32, i32, i32, i32, i32]);
  const [names, stride, n, out, strict] = f.params as [ReturnType<Fn["local"]>, ReturnType<Fn["local"]>, ReturnType<Fn["local"]>, ReturnType<Fn["local"]>, ReturnType<Fn["local"]>];
  const i = f.local(i32), k = f.local(i32), pos = f.local(i32), bad = f.local(i32), name = f.local(i64);
  const found = f.label("found");
  f.finish(J.obj, i32, [
    m.call(J.ws, [], none),
    f.returnIf(m.i32.ne(peek(m), i32c(m, 0x7b)), i32c(m, 0)),
    f.for(i, i32c(m, 0), n.get(), [m.i32.store(0, 4, m.i32.add(out.get(), m.i32.shl(i.get(), i32c(m, 2))), i32c(m, 0), MEM)]),
    advance(m),
    f.returnIf(m.call(J.eat, [i32c(m, 0x7d)], i32), i32c(m, 1)),
    f.forever([
      pos.set(g(m, J.pos)), bad.set(g(m, J.bad)),
      f.returnIf(m.i32.eqz(m.call(J.str, [], i32)), i32c(m, 0)),
      k.set(i32c(m, -1)),
      m.block(found, [f.for(i, i32c(m, 0), n.get(), [
        name.set(m.i64.load(0, 4, m.i32.add(names.get(), m.i32.mul(i.get(), stride.get())), MEM)),
        m.if(m.i32.and(m.i32.eq(m.i32.wrap(m.i64.shr_u(name.get(), m.i64.const(32n))), g(m, J.slen)),
          m.call(memEq, [m.i32.wrap(name.get()), g(m, J.sptr), g(m, J.slen)], i32)), m.block(null, [k.set(i.get()), m.br(found)])),
      ])]),
      // The key was read only to be compared: it takes no room and marks nothing.
      gset(m, J.pos, pos.get()), gset(m, J.bad, bad.get()),
      f.returnIf(m.i32.eqz(m.call(J.eat, [i32c(m, 0x3a)], i32)), i32c(m, 0)),
      m.call(J.ws, [], none),
      m.if(m.i32.ge_s(k.get(), i32c(m, 0)), m.i32.store(0, 4, m.i32.add(out.get(), m.i32.shl(k.get(), i32c(m, 2))), g(m, J.jp), MEM),
        m.if(strict.get(), m.return(i32c(m, 0)))),
      f.returnIf(m.i32.eqz(m.call(J.skip, [i32c(m, 0)], i32)), i32c(m, 0)),
      f.returnIf(m.call(J.eat, [i32c(m, 0x7d)], i32), i32c(m, 1)),
      f.returnIf(m.i32.eqz(m.call(J.eat, [i32c(m, 0x2c)], i32)), i32c(m, 0)),
    ]),
    i32c(m, 0),
  ]);
}
