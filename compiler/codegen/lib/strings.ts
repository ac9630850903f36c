// String builtins over packed strings (i64: address | byte length << 32). Strings are UTF-8, so
// byte-wise equality, prefix, suffix and substring tests agree with their code-point meaning:
// a valid UTF-8 needle can only match at a code-point boundary.
import binaryen from "binaryen";
import { Fn, MEM, andThen, i32c, inRange, load8, packStr, store8, strLen, strPtr } from "./dsl.js";
import { NAMES } from "./names.js";

const { i32, i64 } = binaryen;
type M = binaryen.Module;

/** mem_eq(p, q, n): eight bytes at a time, then the rest byte by byte. */
export function addMemEq(m: M): void {
  const f = new Fn(m, [i32, i32, i32]);
  const [p, q, n] = f.params;
  const i = f.local(i32);
  const at = (base: typeof p) => m.i32.add(base.get(), i.get());
  f.finish(NAMES.memEq, i32, [
    i.set(i32c(m, 0)),
    f.while(m.i32.ge_u(m.i32.sub(n.get(), i.get()), i32c(m, 8)), [
      // Strings have no alignment, hence align 1.
      f.returnIf(m.i64.ne(m.i64.load(0, 1, at(p), MEM), m.i64.load(0, 1, at(q), MEM)), i32c(m, 0)),
      i.set(m.i32.add(i.get(), i32c(m, 8))),
    ]),
    f.while(m.i32.lt_u(i.get(), n.get()), [
      f.returnIf(m.i32.ne(load8(m, at(p)), load8(m, at(q))), i32c(m, 0)),
      i.set(m.i32.add(i.get(), i32c(m, 1))),
    ]),
    i32c(m, 1),
  ]);
}

export function addStrEq(m: M): void {
  const f = new Fn(m, [i64, i64]);
  const [a, b] = f.params;
  f.finish(NAMES.strEq, i32, [
    f.returnIf(m.i64.eq(a.get(), b.get()), i32c(m, 1)), // same bytes, or both empty
    andThen(
      m,
      m.i32.eq(strLen(m, a.get()), strLen(m, b.get())),
      m.call(NAMES.memEq, [strPtr(m, a.get()), strPtr(m, b.get()), strLen(m, a.get())], i32),
    ),
  ]);
}

export function addStrStarts(m: M): void {
  const f = new Fn(m, [i64, i64]);
  const [s, prefix] = f.params;
  f.finish(NAMES.strStarts, i32, [
    andThen(
      m,
      m.i32.le_u(strLen(m, prefix.get()), strLen(m, s.get())),
      m.call(NAMES.memEq, [strPtr(m, s.get()), strPtr(m, prefix.get()), strLen(m, prefix.get())], i32),
    ),
  ]);
}

export function addStrEnds(m: M): void {
  const f = new Fn(m, [i64, i64]);
  const [s, suffix] = f.params;
  const tail = () => m.i32.sub(m.i32.add(strPtr(m, s.get()), strLen(m, s.get())), strLen(m, suffix.get()));
  f.finish(NAMES.strEnds, i32, [
    andThen(
      m,
      m.i32.le_u(strLen(m, suffix.get()), strLen(m, s.get())),
      m.call(NAMES.memEq, [tail(), strPtr(m, suffix.get()), strLen(m, suffix.get())], i32),
    ),
  ]);
}

/** Naive search: needles are short literals in practice, and the first-byte check skips most calls. */
export function addStrContains(m: M): void {
  const f = new Fn(m, [i64, i64]);
  const [s, needle] = f.params;
  const [p, n, q, k, i, first] = [f.local(i32), f.local(i32), f.local(i32), f.local(i32), f.local(i32), f.local(i32)];
  const here = () => m.i32.add(p.get(), i.get());
  f.finish(NAMES.strContains, i32, [
    p.set(strPtr(m, s.get())),
    n.set(strLen(m, s.get())),
    q.set(strPtr(m, needle.get())),
    k.set(strLen(m, needle.get())),
    f.returnIf(m.i32.eqz(k.get()), i32c(m, 1)),
    f.returnIf(m.i32.gt_u(k.get(), n.get()), i32c(m, 0)),
    first.set(load8(m, q.get())),
    // Candidate starts are 0 ..= n - k.
    f.for(i, i32c(m, 0), m.i32.add(m.i32.sub(n.get(), k.get()), i32c(m, 1)), [
      f.returnIf(
        andThen(m, m.i32.eq(load8(m, here()), first.get()), m.call(NAMES.memEq, [here(), q.get(), k.get()], i32)),
        i32c(m, 1),
      ),
    ]),
    i32c(m, 0),
  ]);
}

/** Code points = bytes that are not continuation bytes (10xxxxxx). */
export function addStrLen(m: M): void {
  const f = new Fn(m, [i64]);
  const [s] = f.params;
  const [p, i, count] = [f.local(i32), f.local(i32), f.local(i32)];
  const byte = () => load8(m, m.i32.add(p.get(), i.get()));
  f.finish(NAMES.strLen, i32, [
    p.set(strPtr(m, s.get())),
    count.set(i32c(m, 0)),
    f.for(i, i32c(m, 0), strLen(m, s.get()), [
      count.set(m.i32.add(count.get(), m.i32.ne(m.i32.and(byte(), i32c(m, 0xc0)), i32c(m, 0x80)))),
    ]),
    count.get(),
  ]);
}

export const addStrLower = (m: M): void => addCaseMap(m, NAMES.strLower, 0x41 /* A */);
export const addStrUpper = (m: M): void => addCaseMap(m, NAMES.strUpper, 0x61 /* a */);

/**
 * Flips bit 5 of every ASCII letter in [from, from + 26). Bytes of multi-byte UTF-8 sequences are
 * ≥ 0x80, so they are never touched: that is exactly "ASCII letters only". The input is returned
 * as is when it has no such letter, which saves the allocation in the common case.
 */
function addCaseMap(m: M, name: string, from: number): void {
  const f = new Fn(m, [i64]);
  const [s] = f.params;
  const [p, n, i, out, c] = [f.local(i32), f.local(i32), f.local(i32), f.local(i32), f.local(i32)];
  const byteAt = () => load8(m, m.i32.add(p.get(), i.get()));
  const isLetter = (x: binaryen.ExpressionRef) => inRange(m, x, from, 26);
  f.finish(name, i64, [
    p.set(strPtr(m, s.get())),
    n.set(strLen(m, s.get())),
    i.set(i32c(m, 0)),
    f.while(andThen(m, m.i32.lt_u(i.get(), n.get()), m.i32.eqz(isLetter(byteAt()))), [
      i.set(m.i32.add(i.get(), i32c(m, 1))),
    ]),
    f.returnIf(m.i32.eq(i.get(), n.get()), s.get()),
    out.set(m.call(NAMES.alloc, [n.get()], i32)),
    f.for(i, i32c(m, 0), n.get(), [
      c.set(byteAt()),
      store8(m, m.i32.add(out.get(), i.get()), m.i32.xor(c.get(), m.i32.shl(isLetter(c.get()), i32c(m, 5)))),
    ]),
    packStr(m, out.get(), n.get()),
  ]);
}

/** FNV-1a 32, the same as data.ts `fnv1a32`, so tables built at compile time are found. */
export function addHashStr(m: M): void {
  const f = new Fn(m, [i64]);
  const [s] = f.params;
  const [p, i, h] = [f.local(i32), f.local(i32), f.local(i32)];
  f.finish(NAMES.hashStr, i32, [
    p.set(strPtr(m, s.get())),
    h.set(i32c(m, 0x811c9dc5)),
    f.for(i, i32c(m, 0), strLen(m, s.get()), [
      h.set(m.i32.mul(m.i32.xor(h.get(), load8(m, m.i32.add(p.get(), i.get()))), i32c(m, 0x01000193))),
    ]),
    h.get(),
  ]);
}
