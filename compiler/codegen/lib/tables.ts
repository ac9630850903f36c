// Lookups in the static tables DataBuilder lays out (compiler/codegen/data.ts documents the
// layouts; the offsets below are imported from there so the two cannot drift apart), and in the
// request's label list.
import binaryen from "binaryen";
import { DFA_HEADER, DFA_TRANS, SET_ENTRY, SET_HEADER } from "../data.js";
import { Fn, MEM, andThen, i32c, load32, load64, load8, strLen, strPtr, type Local } from "./dsl.js";
import { NAMES } from "./names.js";

const { i32, i64, f64 } = binaryen;
type M = binaryen.Module;
type Expr = binaryen.ExpressionRef;

/**
 * Linear probing from `hash & (capacity - 1)` until a member (→ 1) or an empty slot (→ 0). The
 * table is at most half full, so an empty slot is always met. `matches(entry)` tests a full entry.
 */
function probe(f: Fn, set: Local, hash: Expr, matches: (entry: () => Expr) => Expr): Expr[] {
  const m = f.m;
  const mask = f.local(i32);
  const slot = f.local(i32);
  const entry = () => m.i32.add(m.i32.add(set.get(), i32c(m, SET_HEADER)), m.i32.mul(slot.get(), i32c(m, SET_ENTRY)));
  return [
    mask.set(m.i32.sub(load32(m, set.get()), i32c(m, 1))),
    slot.set(m.i32.and(hash, mask.get())),
    f.forever([
      f.returnIf(m.i32.eqz(load32(m, entry())), i32c(m, 0)),
      f.returnIf(matches(entry), i32c(m, 1)),
      slot.set(m.i32.and(m.i32.add(slot.get(), i32c(m, 1)), mask.get())),
    ]),
  ];
}

/** Entries: u32 full, u32 hash, i64 packed string. The hash is compared before the bytes. */
export function addStrsetHas(m: M): void {
  const f = new Fn(m, [i32, i64]);
  const [set, s] = f.params;
  const h = f.local(i32);
  f.finish(NAMES.strsetHas, i32, [
    h.set(m.call(NAMES.hashStr, [s.get()], i32)),
    ...probe(f, set, h.get(), (entry) =>
      andThen(m, m.i32.eq(load32(m, entry(), 4), h.get()), m.call(NAMES.strEq, [load64(m, entry(), 8), s.get()], i32)),
    ),
  ]);
}

/** Entries: u32 full, u32 unused, f64 value. f64.eq makes -0 equal 0 and NaN equal nothing. */
export function addNumsetHas(m: M): void {
  const f = new Fn(m, [i32, f64]);
  const [set, x] = f.params;
  f.finish(NAMES.numsetHas, i32, [
    f.returnIf(m.f64.ne(x.get(), x.get()), i32c(m, 0)), // NaN: skip the probe, nothing can match
    ...probe(f, set, m.call(NAMES.hashF64, [x.get()], i32), (entry) => m.f64.eq(m.f64.load(8, 8, entry(), MEM), x.get())),
  ]);
}

/** murmur3 fmix32 of the xor of the f64's halves, after -0 → 0; the same as data.ts `hashF64`. */
export function addHashF64(m: M): void {
  const f = new Fn(m, [f64]);
  const [x] = f.params;
  const bits = f.local(i64);
  const h = f.local(i32);
  const xorShift = (by: number) => h.set(m.i32.xor(h.get(), m.i32.shr_u(h.get(), i32c(m, by))));
  const times = (k: number) => h.set(m.i32.mul(h.get(), i32c(m, k)));
  f.finish(NAMES.hashF64, i32, [
    // IEEE: -0 + 0 = +0 while every other x + 0 = x, so equal numbers get equal bits.
    bits.set(m.i64.reinterpret(m.f64.add(x.get(), m.f64.const(0)))),
    h.set(m.i32.xor(m.i32.wrap(bits.get()), m.i32.wrap(m.i64.shr_u(bits.get(), m.i64.const(32n))))),
    xorShift(16),
    times(0x85ebca6b),
    xorShift(13),
    times(0xc2b2ae35),
    xorShift(16),
    h.get(),
  ]);
}

/** One class lookup and one transition per byte; the dead state 0 never leaves, so stop there.
 * States are carried as row offsets (data.ts), so the per-byte path is an add and a load; the
 * state's number is one division at the end. */
export function addDfaRun(m: M): void {
  const f = new Fn(m, [i32, i64]);
  const [table, s] = f.params;
  const [p, end, trans, row] = [f.local(i32), f.local(i32), f.local(i32), f.local(i32)];
  const cls = () => load8(m, m.i32.add(table.get(), load8(m, p.get())), DFA_HEADER);
  f.finish(NAMES.dfaRun, i32, [
    p.set(strPtr(m, s.get())),
    end.set(m.i32.add(p.get(), strLen(m, s.get()))),
    trans.set(m.i32.add(table.get(), i32c(m, DFA_TRANS))),
    row.set(load32(m, table.get(), 4)),
    f.while(m.i32.and(m.i32.lt_u(p.get(), end.get()), m.i32.ne(row.get(), i32c(m, 0))), [
      row.set(load32(m, m.i32.add(m.i32.add(trans.get(), row.get()), m.i32.shl(cls(), i32c(m, 2))))),
      p.set(m.i32.add(p.get(), i32c(m, 1))),
    ]),
    m.i32.div_u(row.get(), m.i32.shl(load32(m, table.get()), i32c(m, 2))),
  ]);
}

/** accept[dfa_run(table, s)]; the accept table follows the numStates × numClasses transitions. */
export function addDfaAcceptId(m: M): void {
  const f = new Fn(m, [i32, i64]);
  const [table, s] = f.params;
  const state = f.local(i32);
  const cells = m.i32.mul(load32(m, table.get(), 8), load32(m, table.get()));
  const acceptAt = m.i32.add(table.get(), m.i32.shl(m.i32.add(cells, state.get()), i32c(m, 2)));
  f.finish(NAMES.dfaAcceptId, i32, [
    state.set(m.call(NAMES.dfaRun, [table.get(), s.get()], i32)),
    load32(m, acceptAt, DFA_TRANS),
  ]);
}

export function addDfaAccepts(m: M): void {
  const f = new Fn(m, [i32, i64]);
  const [table, s] = f.params;
  f.finish(NAMES.dfaAccepts, i32, [m.i32.ne(m.call(NAMES.dfaAcceptId, [table.get(), s.get()], i32), i32c(m, 0))]);
}

/** A linear scan over the pairs the host wrote: linear in the request, as the cost bound assumes. */
export function addLabelGet(m: M): void {
  const f = new Fn(m, [i32, i32, i64]);
  const [labels, count, key] = f.params;
  const i = f.local(i32);
  const pair = () => m.i32.add(labels.get(), m.i32.shl(i.get(), i32c(m, 4)));
  f.finish(NAMES.labelGet, i64, [
    f.for(i, i32c(m, 0), count.get(), [
      f.returnIf(m.call(NAMES.strEq, [load64(m, pair()), key.get()], i32), load64(m, pair(), 8)),
    ]),
    m.i64.const(0n),
  ]);
}
