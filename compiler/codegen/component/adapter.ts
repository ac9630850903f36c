// The component adapter (docs/component.md): `decide(request: string) -> decision` of
// wit/policy.wit in the canonical ABI, emitted into the decision module beside its own `decide`.
// It reads the request JSON in linear memory, checks and writes it exactly as the host's encoder
// (stdlib/abi/encode.ts) does, from type tables laid out in static data, calls the module's
// `decide`, and lays out the WIT record. No imports. What it cannot check exactly it refuses as a
// violation with the reason `unsupported`: numbers past exact conversion, and net.fetch targets
// outside the subset of canonical URLs url.ts checks.
import binaryen from "binaryen";
import { SYSCALLS, type TypeDesc } from "../../../stdlib/abi/types.js";
import type { DataBuilder } from "../data.js";
import { Fn, MEM, i32c, load8, type Expr, type Local } from "../lib/dsl.js";
import { J, addJsonReader, addObj, advance, align8, g, gset, isChar, peek } from "./json.js";
import { URL_FN, URL_OK, URL_OUT, addUrlCheck } from "./url.js";

const { i32, i64, f64, none } = binaryen;
type M = binaryen.Module;

export interface AdapterShape {
  tools: readonly { name: string; param: TypeDesc }[];
  pipes: readonly { name: string; carries: TypeDesc }[];
  ruleIds: readonly string[];
  /** The violation effect's rank (0 allow, 1 stop, 2 deny, 3 kill). */
  violationRank: number;
  auditMax: number;
}

/** Why a request was decided as a violation without a rule, as the decision's `violation`. */
export const VIOLATION = {
  notJson: "E1020: the request is not JSON",
  refused: "E1021: the request is a violation without a rule (unknown syscall or target, ill-typed args or agent, a non-canonical path)",
  unsupported: "E1022: unsupported by the component's adapter (a number it cannot convert exactly, a net.fetch URL outside the forms it checks, or JSON nested deeper than 512); decided as a violation",
} as const;

const NUMBER = 0, STRING = 1, BOOL = 2, ENUM = 3, RECORD = 4, ARRAY = 5, NEVER = 6;
const MAX_DEPTH = 64;
const DECIDED = 0, REFUSED = 1, UNSUPPORTED = 2, NOT_JSON = 3;
/** WIT enum order (allow, deny, kill, stop) by rank (allow, stop, deny, kill). */
const EFFECT_BY_RANK = [0, 3, 1, 2];
const F = { value: "a_value", record: "a_record", zero: "a_zero", agent: "a_agent", labels: "a_labels", numAt: "a_num_at", path: "a_path", run: "a_run", uns: "a_uns", alloc: "a_alloc" } as const;

/** Lays out the type tables of encode.ts's TypeNode: a node per type occurrence, scalars shared. */
class Tables {
  private readonly scalars = new Map<number, number>();
  constructor(private readonly data: DataBuilder) {}

  words(ws: (number | bigint)[]): number {
    const bytes = new Uint8Array(ws.length * 8);
    const v = new DataView(bytes.buffer);
    ws.forEach((w, i) => typeof w === "bigint" ? v.setBigUint64(8 * i, w, true) : v.setInt32(8 * i, w, true));
    return this.data.bytes(bytes, 8);
  }

  node(t: TypeDesc, depth: number): number {
    const kind = depth > MAX_DEPTH ? NEVER : ({ number: NUMBER, string: STRING, bool: BOOL, enum: ENUM, record: RECORD, array: ARRAY } as const)[t.t];
    if (t.t === "number" || t.t === "string" || t.t === "bool") {
      let n = this.scalars.get(kind);
      if (n === undefined) this.scalars.set(kind, n = this.raw([kind, 0]));
      return n;
    }
    if (t.t === "enum") return this.raw([kind, 0, t.values.length, 0, ...t.values.flatMap((s) => lohi(this.data.str(s)))]);
    if (t.t === "array") return this.raw([kind, 0, this.node(t.elem, depth + 1), t.max ?? -1]);
    const kids = t.fields.map((f) => this.node(f.type, depth + 1));
    const scratch = this.data.bytes(new Uint8Array(4 * Math.max(1, t.fields.length)), 4);
    return this.raw([kind, 1, t.fields.length, scratch, ...t.fields.flatMap((f, i) => [...lohi(this.data.str(f.name)), f.optional ? 1 : 0, kids[i]!])]);
  }

  /** i32 words, 8-aligned. */
  raw(ws: number[]): number {
    const bytes = new Uint8Array(ws.length * 4);
    const v = new DataView(bytes.buffer);
    ws.forEach((w, i) => v.setInt32(4 * i, w, true));
    return this.data.bytes(bytes, 8);
  }
}

function lohi(packed: bigint): number[] {
  return [Number(packed & 0xffffffffn) | 0, Number(packed >> 32n) | 0];
}

/**
 * Adds the adapter to a decision module whose internal `decide` is `decideFn`, exporting `decide`
 * and `cabi_realloc`. Call it before static data is complete; `reqBase` is read from its global.
 */
export function addComponentAdapter(m: M, data: DataBuilder, shape: AdapterShape, names: { decideFn: string; memEq: string; strEq: string; reqBase: string; auditBase: string }): void {
  addJsonReader(m);
  addObj(m, names.memEq);
  addUrlCheck(m);
  m.addGlobal(F.uns, i32, true, i32c(m, 0));
  m.addGlobal(F.alloc, i32, true, i32c(m, 0));
  const t = new Tables(data);
  const packedList = (xs: readonly string[]) => t.raw(xs.length ? xs.flatMap((s) => lohi(data.str(s))) : [0, 0]);
  const targets = (xs: readonly { name: string; type: TypeDesc }[]) => t.raw(xs.length ? xs.flatMap((x) => [...lohi(data.str(x.name)), t.node(x.type, 0), 0]) : [0, 0, 0, 0]);
  const top = packedList(["agent", "syscall", "target", "args"]);
  const agentNames = packedList(["id", "name", "role", "tenant", "labels"]);
  const sizeName = packedList(["size"]);
  const netNames = packedList(["method", "size"]);
  const syscalls = packedList(SYSCALLS);
  const tools = targets(shape.tools.map((x) => ({ name: x.name, type: x.param })));
  const pipes = targets(shape.pipes.map((x) => ({ name: x.name, type: x.carries })));
  const rules = packedList(shape.ruleIds);
  const msgs = Object.fromEntries(Object.entries(VIOLATION).map(([k, v]) => [k, data.str(v)])) as Record<keyof typeof VIOLATION, bigint>;
  const out = t.raw(new Array(8).fill(0));
  const result = t.raw(new Array(10).fill(0));
  const audits = t.raw(new Array(2 * Math.max(1, shape.auditMax)).fill(0));
  const R = () => g(m, names.reqBase);
  const call = (name: string, args: Expr[] = [], type: binaryen.Type = i32) => m.call(name, args, type);
  const fail = (f: Fn, cond: Expr) => f.returnIf(cond, i32c(m, 0));
  const not = (e: Expr) => m.i32.eqz(e);
  const store64 = (addr: Expr, v: Expr, off = 0) => m.i64.store(off, 8, addr, v, MEM);
  const packed = () => m.i64.or(m.i64.extend_u(g(m, J.sptr)), m.i64.shl(m.i64.extend_u(g(m, J.slen)), m.i64.const(32n)));
  const w = (addr: Expr, off = 0) => m.i32.load(off, 4, addr, MEM);

  // num_at(): the number at jp into `num`: 0 when it is none or not finite; an inexact one is unsupported.
  {
    const f = new Fn(m, []);
    const c = f.local(i32);
    f.finish(F.numAt, i32, [
      m.call(J.ws, [], none),
      c.set(peek(m)),
      fail(f, not(m.i32.or(m.i32.eq(c.get(), i32c(m, 0x2d)), m.i32.lt_u(m.i32.sub(c.get(), i32c(m, 0x30)), i32c(m, 10))))),
      fail(f, not(call(J.number))),
      m.if(not(g(m, J.exact)), m.block(null, [gset(m, F.uns, i32c(m, 1)), m.return(i32c(m, 0))])),
      m.f64.lt(m.f64.abs(g(m, J.num, f64)), m.f64.const(Infinity)),
    ]);
  }

  // value(node, slot) and record(node, slot): encode.ts's RequestEncoder.value and .record.
  {
    const f = new Fn(m, [i32, i32]);
    const [node, slot] = f.params as [Local, Local];
    const kind = f.local(i32), i = f.local(i32), n = f.local(i32), at = f.local(i32), hit = f.local(i32), v = f.local(i64);
    const is = (k: number) => m.i32.eq(kind.get(), i32c(m, k));
    const found = f.label("found");
    f.finish(F.value, i32, [
      m.call(J.ws, [], none),
      kind.set(w(node.get())),
      m.if(is(NUMBER), m.block(null, [fail(f, not(call(F.numAt))), m.f64.store(0, 8, slot.get(), g(m, J.num, f64), MEM), m.return(i32c(m, 1))])),
      m.if(is(STRING), m.block(null, [fail(f, not(isChar(m, 0x22))), fail(f, not(call(J.str))), store64(slot.get(), packed()), m.return(i32c(m, 1))])),
      m.if(is(BOOL), m.block(null, [n.set(call(J.lit)), fail(f, m.i32.gt_u(n.get(), i32c(m, 1))), store64(slot.get(), m.i64.extend_u(n.get())), m.return(i32c(m, 1))])),
      m.if(is(ENUM), m.block(null, [
        fail(f, not(isChar(m, 0x22))), fail(f, not(call(J.str))),
        hit.set(i32c(m, 0)),
        m.block(found, [f.for(i, i32c(m, 0), w(node.get(), 8), [
          v.set(m.i64.load(16, 4, m.i32.add(node.get(), m.i32.shl(i.get(), i32c(m, 3))), MEM)),
          m.if(m.i32.and(m.i32.eq(m.i32.wrap(m.i64.shr_u(v.get(), m.i64.const(32n))), g(m, J.slen)), call(names.memEq, [m.i32.wrap(v.get()), g(m, J.sptr), g(m, J.slen)])),
            m.block(null, [hit.set(i32c(m, 1)), m.br(found)])),
        ])]),
        fail(f, not(hit.get())),
        store64(slot.get(), packed()),
        m.return(i32c(m, 1)),
      ])),
      m.if(is(RECORD), m.return(call(F.record, [node.get(), slot.get()]))),
      m.if(is(ARRAY), m.block(null, [
        fail(f, not(isChar(m, 0x5b))),
        n.set(call(J.count)),
        fail(f, m.i32.and(m.i32.ge_s(w(node.get(), 12), i32c(m, 0)), m.i32.gt_u(n.get(), w(node.get(), 12)))),
        at.set(call(J.reserve, [m.i32.shl(n.get(), i32c(m, 3))])),
        fail(f, not(at.get())),
        advance(m),
        f.for(i, i32c(m, 0), n.get(), [
          fail(f, not(call(F.value, [w(node.get(), 8), m.i32.add(at.get(), m.i32.shl(i.get(), i32c(m, 3)))]))),
          m.drop(call(J.eat, [i32c(m, 0x2c)])),
        ]),
        m.drop(call(J.eat, [i32c(m, 0x5d)])),
        store64(slot.get(), m.i64.or(m.i64.extend_u(at.get()), m.i64.shl(m.i64.extend_u(n.get()), m.i64.const(32n)))),
        m.return(i32c(m, 1)),
      ])),
      i32c(m, 0), // NEVER
    ]);
  }
  {
    const f = new Fn(m, [i32, i32]);
    const [node, slot] = f.params as [Local, Local];
    const n = f.local(i32), scratch = f.local(i32), at = f.local(i32), i = f.local(i32), p = f.local(i32), end = f.local(i32), field = f.local(i32);
    f.finish(F.record, i32, [
      n.set(w(node.get(), 8)), scratch.set(w(node.get(), 12)),
      fail(f, not(call(J.obj, [m.i32.add(node.get(), i32c(m, 16)), i32c(m, 16), n.get(), scratch.get(), i32c(m, 1)]))),
      end.set(g(m, J.jp)),
      at.set(call(J.reserve, [m.i32.shl(n.get(), i32c(m, 3))])),
      fail(f, not(at.get())),
      f.for(i, i32c(m, 0), n.get(), [
        p.set(w(m.i32.add(scratch.get(), m.i32.shl(i.get(), i32c(m, 2))))),
        field.set(m.i32.add(node.get(), m.i32.add(i32c(m, 16), m.i32.shl(i.get(), i32c(m, 4))))),
        m.if(p.get(),
          m.block(null, [gset(m, J.jp, p.get()), fail(f, not(call(F.value, [w(field.get(), 12), m.i32.add(at.get(), m.i32.shl(i.get(), i32c(m, 3)))])))]),
          m.block(null, [fail(f, not(w(field.get(), 8))), fail(f, not(call(F.zero, [w(field.get(), 12), m.i32.add(at.get(), m.i32.shl(i.get(), i32c(m, 3)))])))])),
      ]),
      gset(m, J.jp, end.get()),
      store64(slot.get(), m.i64.extend_u(at.get())),
      i32c(m, 1),
    ]);
  }
  {
    // zero(node, slot): an absent optional field; a record still needs its block of zero values.
    const f = new Fn(m, [i32, i32]);
    const [node, slot] = f.params as [Local, Local];
    const n = f.local(i32), at = f.local(i32), i = f.local(i32);
    f.finish(F.zero, i32, [
      f.returnIf(not(w(node.get(), 4)), i32c(m, 1)),
      n.set(w(node.get(), 8)),
      at.set(call(J.reserve, [m.i32.shl(n.get(), i32c(m, 3))])),
      fail(f, not(at.get())),
      f.for(i, i32c(m, 0), n.get(), [
        fail(f, not(call(F.zero, [w(m.i32.add(node.get(), m.i32.add(i32c(m, 16), m.i32.shl(i.get(), i32c(m, 4)))), 12), m.i32.add(at.get(), m.i32.shl(i.get(), i32c(m, 3)))]))),
      ]),
      store64(slot.get(), m.i64.extend_u(at.get())),
      i32c(m, 1),
    ]);
  }
  {
    // labels(): string to string; a repeated key keeps its last value, as JSON.parse does.
    const f = new Fn(m, []);
    const n = f.local(i32), at = f.local(i32), k = f.local(i32), j = f.local(i32), key = f.local(i64), e = f.local(i32);
    const done = f.label("dup");
    f.finish(F.labels, i32, [
      fail(f, not(isChar(m, 0x7b))),
      n.set(call(J.count)),
      f.returnIf(not(n.get()), i32c(m, 1)),
      at.set(call(J.reserve, [m.i32.shl(n.get(), i32c(m, 4))])),
      fail(f, not(at.get())),
      advance(m),
      k.set(i32c(m, 0)),
      f.for(e, i32c(m, 0), n.get(), [
        fail(f, not(call(J.str))),
        key.set(packed()),
        m.drop(call(J.eat, [i32c(m, 0x3a)])),
        m.call(J.ws, [], none),
        fail(f, not(isChar(m, 0x22))),
        fail(f, not(call(J.str))),
        m.block(done, [
          f.for(j, i32c(m, 0), k.get(), [
            m.if(call(names.strEq, [m.i64.load(0, 8, m.i32.add(at.get(), m.i32.shl(j.get(), i32c(m, 4))), MEM), key.get()]),
              m.block(null, [store64(m.i32.add(at.get(), m.i32.shl(j.get(), i32c(m, 4))), packed(), 8), m.br(done)])),
          ]),
          store64(m.i32.add(at.get(), m.i32.shl(k.get(), i32c(m, 4))), key.get()),
          store64(m.i32.add(at.get(), m.i32.shl(k.get(), i32c(m, 4))), packed(), 8),
          k.set(m.i32.add(k.get(), i32c(m, 1))),
        ]),
        m.drop(call(J.eat, [i32c(m, 0x2c)])),
      ]),
      m.drop(call(J.eat, [i32c(m, 0x7d)])),
      m.i32.store(48, 4, R(), at.get(), MEM),
      m.i32.store(52, 4, R(), k.get(), MEM),
      i32c(m, 1),
    ]);
  }
  {
    // agent(): absent or null reads as all empty; every field present must be a string.
    const f = new Fn(m, [i32]);
    const p = f.params[0]!;
    const q = f.local(i32), i = f.local(i32);
    f.finish(F.agent, i32, [
      f.returnIf(not(p.get()), i32c(m, 1)),
      gset(m, J.jp, p.get()),
      f.returnIf(m.i32.eq(peek(m), i32c(m, 0x6e)), m.i32.eq(call(J.lit), i32c(m, 2))),
      fail(f, not(call(J.obj, [i32c(m, agentNames), i32c(m, 8), i32c(m, 5), i32c(m, out), i32c(m, 0)]))),
      f.for(i, i32c(m, 0), i32c(m, 4), [
        q.set(w(m.i32.add(i32c(m, out), m.i32.shl(i.get(), i32c(m, 2))))),
        m.if(q.get(), m.block(null, [
          gset(m, J.jp, q.get()),
          fail(f, not(isChar(m, 0x22))), fail(f, not(call(J.str))),
          store64(m.i32.add(R(), m.i32.add(i32c(m, 16), m.i32.shl(i.get(), i32c(m, 3)))), packed()),
        ])),
      ]),
      q.set(w(i32c(m, out), 16)),
      f.returnIf(not(q.get()), i32c(m, 1)),
      gset(m, J.jp, q.get()),
      call(F.labels),
    ]);
  }
  {
    // path(ptr, len): canonical-path.ts's isCanonicalPath over UTF-8 bytes.
    const f = new Fn(m, [i32, i32]);
    const [p, n] = f.params as [Local, Local];
    const i = f.local(i32), c = f.local(i32), seg = f.local(i32), dots = f.local(i32);
    const bad = () => m.i32.or(m.i32.eq(i.get(), seg.get()), m.i32.and(m.i32.eq(dots.get(), m.i32.sub(i.get(), seg.get())), m.i32.le_u(dots.get(), i32c(m, 2))));
    f.finish(F.path, i32, [
      fail(f, m.i32.or(not(n.get()), m.i32.gt_u(n.get(), i32c(m, 4096)))),
      fail(f, m.i32.ne(load8(m, p.get()), i32c(m, 0x2f))),
      f.returnIf(m.i32.eq(n.get(), i32c(m, 1)), i32c(m, 1)),
      seg.set(i32c(m, 1)), dots.set(i32c(m, 0)),
      f.for(i, i32c(m, 1), n.get(), [
        c.set(load8(m, m.i32.add(p.get(), i.get()))),
        fail(f, not(c.get())),
        m.if(m.i32.eq(c.get(), i32c(m, 0x2f)), m.block(null, [fail(f, bad()), seg.set(m.i32.add(i.get(), i32c(m, 1))), dots.set(i32c(m, 0))]),
          m.if(m.i32.and(m.i32.eq(c.get(), i32c(m, 0x2e)), m.i32.eq(dots.get(), m.i32.sub(i.get(), seg.get()))), dots.set(m.i32.add(dots.get(), i32c(m, 1))))),
      ]),
      m.i32.eqz(bad()),
    ]);
  }
  {
    // run(): the request at jp (well-formed JSON) into the header at req_base; DECIDED or why not.
    const f = new Fn(m, []);
    const code = f.local(i32), p = f.local(i32), pos = f.local(i32), bad = f.local(i32), i = f.local(i32), tptr = f.local(i32), tlen = f.local(i32), at = f.local(i32), table = f.local(i32), n = f.local(i32);
    const refuse = (cond: Expr) => f.returnIf(cond, i32c(m, REFUSED));
    const slot = (k: number) => w(i32c(m, out), 4 * k);
    const method = f.local(i64), size = f.local(f64);
    const NET_FETCH = SYSCALLS.indexOf("net.fetch");
    const found = f.label("found"), tl = f.label("target");
    const arg = () => [p.set(slot(3)), refuse(not(p.get())), gset(m, J.jp, p.get())];
    f.finish(F.run, i32, [
      f.for(i, i32c(m, 0), i32c(m, 72), [store64(m.i32.add(R(), i.get()), m.i64.const(0n)), i.set(m.i32.add(i.get(), i32c(m, 7)))]),
      m.call(J.ws, [], none),
      refuse(not(isChar(m, 0x7b))),
      m.drop(call(J.obj, [i32c(m, top), i32c(m, 8), i32c(m, 4), i32c(m, out), i32c(m, 0)])),
      p.set(slot(1)), refuse(not(p.get())), gset(m, J.jp, p.get()),
      refuse(not(isChar(m, 0x22))),
      pos.set(g(m, J.pos)), bad.set(g(m, J.bad)),
      refuse(not(call(J.str))),
      code.set(i32c(m, -1)),
      m.block(found, [f.for(i, i32c(m, 0), i32c(m, SYSCALLS.length), [
        m.if(call(names.strEq, [m.i64.load(0, 4, m.i32.add(i32c(m, syscalls), m.i32.shl(i.get(), i32c(m, 3))), MEM), packed()]), m.block(null, [code.set(i.get()), m.br(found)])),
      ])]),
      gset(m, J.pos, pos.get()), gset(m, J.bad, bad.get()),
      refuse(m.i32.lt_s(code.get(), i32c(m, 0))),
      p.set(slot(2)), refuse(not(p.get())), gset(m, J.jp, p.get()),
      refuse(not(isChar(m, 0x22))),
      refuse(not(call(J.str))),
      tptr.set(g(m, J.sptr)), tlen.set(g(m, J.slen)),
      m.i32.store(0, 4, R(), code.get(), MEM),
      m.i32.store(4, 4, R(), i32c(m, -1), MEM),
      store64(R(), packed(), 8),
      m.if(m.i32.lt_u(code.get(), i32c(m, 4)), refuse(not(call(F.path, [tptr.get(), tlen.get()])))),
      // A URL outside the subset url.ts checks might be canonical: unsupported, not refused.
      m.if(m.i32.and(m.i32.eq(code.get(), i32c(m, NET_FETCH)), m.i32.ne(call(URL_FN, [tptr.get(), tlen.get()]), i32c(m, URL_OK))),
        m.block(null, [gset(m, F.uns, i32c(m, 1)), m.return(i32c(m, REFUSED))])),
      // Keep args before agent() overwrites the shared slots.
      at.set(slot(3)),
      refuse(not(call(F.agent, [slot(0)]))),
      m.i32.store(12, 4, i32c(m, out), at.get(), MEM),
      m.if(m.i32.eq(code.get(), i32c(m, SYSCALLS.indexOf("fs.write"))), m.block(null, [
        ...arg(),
        refuse(not(isChar(m, 0x7b))),
        m.drop(call(J.obj, [i32c(m, sizeName), i32c(m, 8), i32c(m, 1), i32c(m, out + 16), i32c(m, 0)])),
        p.set(w(i32c(m, out), 16)), refuse(not(p.get())), gset(m, J.jp, p.get()),
        refuse(not(call(F.numAt))),
        at.set(call(J.reserve, [i32c(m, 8)])), refuse(not(at.get())),
        m.f64.store(0, 8, at.get(), g(m, J.num, f64), MEM),
        store64(R(), m.i64.extend_u(at.get()), 56),
      ])),
      m.if(m.i32.eq(code.get(), i32c(m, NET_FETCH)), m.block(null, [
        ...arg(),
        refuse(not(isChar(m, 0x7b))),
        m.drop(call(J.obj, [i32c(m, netNames), i32c(m, 8), i32c(m, 2), i32c(m, out + 16), i32c(m, 0)])),
        p.set(w(i32c(m, out), 16)), refuse(not(p.get())), gset(m, J.jp, p.get()),
        refuse(not(isChar(m, 0x22))), refuse(not(call(J.str))),
        method.set(packed()),
        size.set(m.f64.const(0)),
        p.set(w(i32c(m, out), 20)),
        m.if(p.get(), m.block(null, [gset(m, J.jp, p.get()), refuse(not(call(F.numAt))), size.set(g(m, J.num, f64))])),
        at.set(call(J.reserve, [i32c(m, 40)])), refuse(not(at.get())),
        store64(at.get(), method.get()),
        store64(at.get(), g(m, URL_OUT.host, i64), 8),
        m.f64.store(16, 8, at.get(), g(m, URL_OUT.port, f64), MEM),
        store64(at.get(), g(m, URL_OUT.path, i64), 24),
        m.f64.store(32, 8, at.get(), size.get(), MEM),
        store64(R(), m.i64.extend_u(at.get()), 56),
      ])),
      m.if(m.i32.or(m.i32.eq(code.get(), i32c(m, SYSCALLS.indexOf("tool.call"))), m.i32.or(m.i32.eq(code.get(), i32c(m, SYSCALLS.indexOf("pipe.send"))), m.i32.eq(code.get(), i32c(m, SYSCALLS.indexOf("pipe.recv"))))), m.block(null, [
        table.set(m.select(m.i32.eq(code.get(), i32c(m, SYSCALLS.indexOf("tool.call"))), i32c(m, tools), i32c(m, pipes))),
        n.set(m.select(m.i32.eq(code.get(), i32c(m, SYSCALLS.indexOf("tool.call"))), i32c(m, shape.tools.length), i32c(m, shape.pipes.length))),
        at.set(i32c(m, -1)),
        m.block(tl, [f.for(i, i32c(m, 0), n.get(), [
          m.if(call(names.strEq, [m.i64.load(0, 4, m.i32.add(table.get(), m.i32.shl(i.get(), i32c(m, 4))), MEM), m.i64.load(8, 8, R(), MEM)]), m.block(null, [at.set(i.get()), m.br(tl)])),
        ])]),
        refuse(m.i32.lt_s(at.get(), i32c(m, 0))),
        m.i32.store(4, 4, R(), at.get(), MEM),
        ...arg(),
        refuse(not(call(F.value, [w(m.i32.add(table.get(), m.i32.shl(at.get(), i32c(m, 4))), 8), m.i32.add(R(), i32c(m, 56))]))),
      ])),
      refuse(g(m, J.bad)),
      gset(m, J.pos, align8(m, g(m, J.pos))),
      refuse(not(call(J.grow, [g(m, J.pos)]))),
      m.i32.store(64, 4, R(), g(m, J.pos), MEM),
      i32c(m, DECIDED),
    ]);
  }
  {
    // decide(ptr, len) -> *decision, the canonical ABI's lowering of the WIT export.
    const f = new Fn(m, [i32, i32]);
    const [ptr, len] = f.params as [Local, Local];
    const st = f.local(i32), res = f.local(i32), rank = f.local(i32), rule = f.local(i32), cnt = f.local(i32), i = f.local(i32), idx = f.local(i32);
    const ok = () => m.i32.and(m.i32.lt_u(rank.get(), i32c(m, 4)), m.i32.lt_s(rule.get(), i32c(m, shape.ruleIds.length)));
    const effectOf = (r: Expr) => m.i32.load8_u(0, 1, m.i32.add(i32c(m, effects), r), MEM);
    const violation = (msg: keyof typeof VIOLATION) => m.block(null, [
      m.i32.store8(0, 1, i32c(m, result), i32c(m, EFFECT_BY_RANK[shape.violationRank]!), MEM),
      m.i32.store(4, 4, i32c(m, result), i32c(m, 0), MEM),
      store64(i32c(m, result), m.i64.const(0n), 16),
      m.i32.store(24, 4, i32c(m, result), i32c(m, 1), MEM),
      m.i64.store(28, 4, i32c(m, result), m.i64.const(msgs[msg]), MEM),
    ]);
    const effects = data.bytes(new Uint8Array(EFFECT_BY_RANK), 1);
    f.finish("a_decide", i32, [
      gset(m, J.jp, ptr.get()), gset(m, J.je, m.i32.add(ptr.get(), len.get())),
      gset(m, J.bad, i32c(m, 0)), gset(m, F.uns, i32c(m, 0)), gset(m, J.deep, i32c(m, 0)),
      gset(m, J.pos, align8(m, g(m, J.je))),
      st.set(m.if(m.i32.and(call(J.skip, [i32c(m, 0)]), m.block(null, [m.call(J.ws, [], none), m.i32.eq(g(m, J.jp), g(m, J.je))], i32)),
        m.block(null, [gset(m, J.jp, ptr.get()), call(F.run)], i32),
        m.select(g(m, J.deep), i32c(m, UNSUPPORTED), i32c(m, NOT_JSON)))),
      m.if(m.i32.and(m.i32.eq(st.get(), i32c(m, REFUSED)), g(m, F.uns)), st.set(i32c(m, UNSUPPORTED))),
      gset(m, F.alloc, i32c(m, 0)),
      m.if(m.i32.eq(st.get(), i32c(m, DECIDED)), m.block(null, [
        res.set(call(names.decideFn)),
        rank.set(m.i32.and(res.get(), i32c(m, 15))),
        rule.set(m.i32.sub(m.i32.shr_u(res.get(), i32c(m, 4)), i32c(m, 1))),
        cnt.set(w(g(m, names.auditBase))),
        m.if(m.i32.and(ok(), m.i32.le_u(cnt.get(), i32c(m, shape.auditMax))), m.block(null, [
          m.i32.store8(0, 1, i32c(m, result), effectOf(rank.get()), MEM),
          m.i32.store(4, 4, i32c(m, result), m.i32.ge_s(rule.get(), i32c(m, 0)), MEM),
          m.if(m.i32.ge_s(rule.get(), i32c(m, 0)), m.i64.store(8, 4, i32c(m, result), m.i64.load(0, 4, m.i32.add(i32c(m, rules), m.i32.shl(rule.get(), i32c(m, 3))), MEM), MEM)),
          f.for(i, i32c(m, 0), cnt.get(), [
            idx.set(w(m.i32.add(g(m, names.auditBase), m.i32.shl(i.get(), i32c(m, 2))), 4)),
            m.if(m.i32.ge_u(idx.get(), i32c(m, shape.ruleIds.length)), idx.set(i32c(m, 0))),
            m.i64.store(0, 4, m.i32.add(i32c(m, audits), m.i32.shl(i.get(), i32c(m, 3))), m.i64.load(0, 4, m.i32.add(i32c(m, rules), m.i32.shl(idx.get(), i32c(m, 3))), MEM), MEM),
          ]),
          m.i32.store(16, 4, i32c(m, result), i32c(m, audits), MEM),
          m.i32.store(20, 4, i32c(m, result), cnt.get(), MEM),
          m.i32.store(24, 4, i32c(m, result), i32c(m, 0), MEM),
          m.return(i32c(m, result)),
        ])),
        // A rank, rule or audit the module does not have: the violation, as loadPolicy decides it.
        st.set(i32c(m, REFUSED)),
      ])),
      m.if(m.i32.eq(st.get(), i32c(m, NOT_JSON)), violation("notJson"), m.if(m.i32.eq(st.get(), i32c(m, UNSUPPORTED)), violation("unsupported"), violation("refused"))),
      i32c(m, result),
    ]);
    m.addFunctionExport("a_decide", "decide");
  }
  {
    // cabi_realloc: the request's bytes go after the header; the bump restarts with each decision.
    const f = new Fn(m, [i32, i32, i32, i32]);
    const [old, oldSize, align, size] = f.params as [Local, Local, Local, Local];
    const at = f.local(i32), i = f.local(i32);
    f.finish("cabi_realloc", i32, [
      m.if(not(g(m, F.alloc)), gset(m, F.alloc, m.i32.add(R(), i32c(m, 72)))),
      at.set(m.i32.and(m.i32.add(g(m, F.alloc), m.i32.sub(align.get(), i32c(m, 1))), m.i32.sub(i32c(m, 0), align.get()))),
      m.if(not(call(J.grow, [m.i32.add(at.get(), size.get())])), m.unreachable()),
      m.if(old.get(), f.for(i, i32c(m, 0), m.select(m.i32.lt_u(oldSize.get(), size.get()), oldSize.get(), size.get()), [
        m.i32.store8(0, 1, m.i32.add(at.get(), i.get()), load8(m, m.i32.add(old.get(), i.get())), MEM),
      ])),
      gset(m, F.alloc, m.i32.add(at.get(), size.get())),
      at.get(),
    ]);
    m.addFunctionExport("cabi_realloc", "cabi_realloc");
  }
}
