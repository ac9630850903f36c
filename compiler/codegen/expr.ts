// Lowers one typed condition (IExpr) to binaryen expressions. Values: number f64, bool i32,
// string and array i64 (packed), record i32 (block address), as docs/abi.md lays them out.
import binaryen from "binaryen";
import type { AgentRead, TypeDesc } from "../../stdlib/abi/types.js";
import { BUILTINS } from "../../stdlib/builtins.js";
import type { DataBuilder } from "./data.js";
import type { WasmLib } from "./lib/names.js";
import type { IExpr, Scalar, Value } from "../ir.js";
import { Fn, MEM, type Local } from "./lib/dsl.js";

type Ref = binaryen.ExpressionRef;

/** Header offsets of docs/abi.md. */
export const HDR = { syscall: 0, targetIndex: 4, target: 8, agentId: 16, agentName: 24, agentRole: 32, agentTenant: 40, labels: 48, labelCount: 52, args: 56, heap: 64 } as const;

const AGENT_OFFSET = { id: HDR.agentId, name: HDR.agentName, role: HDR.agentRole, tenant: HDR.agentTenant } as const;

/** Names of the module's immutable globals; their values are fixed once static data is laid out. */
export const GLOBALS = { reqBase: "req_base", auditBase: "audit_base" } as const;

/** The codegen's context: everything a builtin's lowering gets (stdlib's LowerCtx), and all of the
 * support library and data builder besides. */
export interface CodegenCtx {
  m: binaryen.Module;
  lib: WasmLib;
  data: DataBuilder;
  /** The agent header fields the emitted code loads: the manifest tells the host to write only these. */
  agentReads: Set<AgentRead>;
}

export function wasmType(t: TypeDesc): binaryen.Type {
  switch (t.t) {
    case "number": return binaryen.f64;
    case "bool": case "record": return binaryen.i32;
    case "string": case "enum": case "array": return binaryen.i64;
  }
}

export function loadSlot(m: binaryen.Module, ptr: Ref, offset: number, t: TypeDesc): Ref {
  switch (t.t) {
    case "number": return m.f64.load(offset, 8, ptr, MEM);
    case "bool": case "record": return m.i32.load(offset, 4, ptr, MEM);
    case "string": case "enum": case "array": return m.i64.load(offset, 8, ptr, MEM);
  }
}

/** Lowers the expressions of one function; quantifier variables live in that function's locals. */
export class ExprLowering {
  private readonly m: binaryen.Module;
  /** Per quantifier slot: the local holding the current element's address. */
  private readonly elemAddr: Local[] = [];

  constructor(private readonly c: CodegenCtx, private readonly fn: Fn) {
    this.m = c.m;
  }

  /** The request header's address (header fields are read with a constant load offset). */
  private base(): Ref {
    return this.m.global.get(GLOBALS.reqBase, binaryen.i32);
  }

  lower(e: IExpr): Ref {
    const m = this.m;
    switch (e.op) {
      case "const": return this.constant(e.value, e.ty.t === "ip" ? "string" : scalarTy(e.ty));
      case "agent":
        this.c.agentReads.add(e.field);
        return m.i64.load(AGENT_OFFSET[e.field], 8, this.base(), MEM);
      case "target": return m.i64.load(HDR.target, 8, this.base(), MEM);
      case "label":
        this.c.agentReads.add("labels");
        return m.call(this.c.lib.labelGet, [m.i32.load(HDR.labels, 4, this.base(), MEM), m.i32.load(HDR.labelCount, 4, this.base(), MEM), this.lower(e.key)], binaryen.i64);
      case "args": return loadSlot(m, this.base(), HDR.args, e.ty);
      case "field": return loadSlot(m, this.lower(e.object), 8 * e.index, e.ty);
      case "var": return loadSlot(m, this.elemAddr[e.slot]!.get(), 0, e.ty);
      case "length": {
        const v = this.lower(e.object);
        const n = e.of === "string" ? m.call(this.c.lib.strLen, [v], binaryen.i32) : m.i32.wrap(m.i64.shr_u(v, i64c(m, 32n)));
        return m.f64.convert_u.i32(n);
      }
      case "builtin": {
        const b = BUILTINS.get(e.name)!;
        const recv = e.receiver.op === "ip" ? this.lower(e.receiver.arg) : this.lower(e.receiver);
        return b.lower(this.c, recv, e.args.map((a) => this.lower(a)), e.pattern);
      }
      case "ip": throw new TypeError("ip(x) is only lowered as the receiver of inCidr");
      case "not": return m.i32.eqz(this.lower(e.operand));
      case "neg": return m.f64.neg(this.lower(e.operand));
      case "and": return m.if(this.lower(e.left), this.lower(e.right), m.i32.const(0));
      case "or": return m.if(this.lower(e.left), m.i32.const(1), this.lower(e.right));
      case "cmp": return this.compare(e.cmp, e.scalar, this.lower(e.left), this.lower(e.right));
      case "in-range": {
        const x = this.fn.local(binaryen.f64);
        return m.if(m.f64.le(this.lower(e.lo), x.tee(this.lower(e.item))), m.f64.le(x.get(), this.lower(e.hi)), m.i32.const(0));
      }
      case "in-list": return e.list.op === "const" ? this.inConstList(e.scalar, e.item, e.list.value as Value[]) : this.inDynamicList(e.scalar, e.item, e.list);
      case "quant": return this.quant(e);
    }
  }

  private constant(v: Value, s: Scalar | "array"): Ref {
    const m = this.m;
    if (s === "number") return m.f64.const(v as number);
    if (s === "bool") return m.i32.const(v ? 1 : 0);
    if (s === "string") return i64c(m, this.c.data.str(v as string));
    throw new TypeError("list constants are lowered by their use (in, any, all, .length)");
  }

  private compare(cmp: string, s: Scalar, l: Ref, r: Ref): Ref {
    const m = this.m;
    if (s === "string") {
      const eq = m.call(this.c.lib.strEq, [l, r], binaryen.i32);
      return cmp === "==" ? eq : m.i32.eqz(eq);
    }
    if (s === "bool") return cmp === "==" ? m.i32.eq(l, r) : m.i32.ne(l, r);
    switch (cmp) {
      case "==": return m.f64.eq(l, r);
      case "!=": return m.f64.ne(l, r);
      case "<": return m.f64.lt(l, r);
      case "<=": return m.f64.le(l, r);
      case ">": return m.f64.gt(l, r);
      default: return m.f64.ge(l, r);
    }
  }

  private inConstList(s: Scalar, itemE: IExpr, values: Value[]): Ref {
    const m = this.m;
    if (values.length === 0) return m.block(null, [m.drop(this.lower(itemE)), m.i32.const(0)], binaryen.i32);
    const item = this.lower(itemE);
    if (s === "string") return m.call(this.c.lib.strsetHas, [m.i32.const(this.c.data.strSet(values as string[])), item], binaryen.i32);
    if (s === "number") return m.call(this.c.lib.numsetHas, [m.i32.const(this.c.data.numSet(values as number[])), item], binaryen.i32);
    const hasT = values.includes(true), hasF = values.includes(false);
    if (hasT && hasF) return m.block(null, [m.drop(item), m.i32.const(1)], binaryen.i32);
    return hasT ? item : m.i32.eqz(item);
  }

  /** Lays a constant list out as slots in static data, for quantifiers over it. */
  private constArray(values: Value[], s: Scalar): Ref {
    const bytes = new Uint8Array(values.length * 8);
    const view = new DataView(bytes.buffer);
    values.forEach((v, i) => {
      if (s === "number") view.setFloat64(8 * i, v as number, true);
      else if (s === "bool") view.setUint32(8 * i, v ? 1 : 0, true);
      else view.setBigUint64(8 * i, this.c.data.str(v as string), true);
    });
    const addr = values.length ? this.c.data.bytes(bytes, 8) : 0;
    return i64c(this.m, BigInt(addr) | (BigInt(values.length) << 32n));
  }

  private listRef(list: IExpr): Ref {
    if (list.op === "const") {
      const t = list.ty.t === "array" ? list.ty.elem : list.ty;
      return this.constArray(list.value as Value[], scalarTy(t as TypeDesc));
    }
    return this.lower(list);
  }

  /** Scans a list: for each element (its address in `elemAddr`), stop with `stopOn` when test() is. */
  private scan(listE: IExpr, elemAddr: Local, test: () => Ref, stopOn: 0 | 1): Ref {
    const m = this.m, fn = this.fn;
    const arr = fn.local(binaryen.i64), i = fn.local(binaryen.i32), n = fn.local(binaryen.i32), res = fn.local(binaryen.i32);
    const done = fn.label("scan");
    const hit = test();
    const step = [
      elemAddr.set(m.i32.add(m.i32.wrap(arr.get()), m.i32.shl(i.get(), m.i32.const(3)))),
      m.if(stopOn ? hit : m.i32.eqz(hit), m.block(null, [res.set(m.i32.const(stopOn)), m.br(done)])),
    ];
    return m.block(null, [
      m.block(done, [
        arr.set(this.listRef(listE)),
        n.set(m.i32.wrap(m.i64.shr_u(arr.get(), i64c(m, 32n)))),
        res.set(m.i32.const(stopOn ? 0 : 1)),
        fn.for(i, m.i32.const(0), n.get(), step),
      ]),
      res.get(),
    ], binaryen.i32);
  }

  private inDynamicList(s: Scalar, itemE: IExpr, list: IExpr): Ref {
    const m = this.m;
    const elem = this.fn.local(binaryen.i32);
    const itemTy = s === "number" ? binaryen.f64 : s === "bool" ? binaryen.i32 : binaryen.i64;
    const item = this.fn.local(itemTy);
    const slotTy: TypeDesc = { t: s };
    const test = () => this.compare("==", s, item.get(), loadSlot(m, elem.get(), 0, slotTy));
    return m.block(null, [item.set(this.lower(itemE)), this.scan(list, elem, test, 1)], binaryen.i32);
  }

  private quant(e: Extract<IExpr, { op: "quant" }>): Ref {
    const elem = this.fn.local(binaryen.i32);
    this.elemAddr[e.slot] = elem;
    const r = this.scan(e.list, elem, () => this.lower(e.body), e.quant === "any" ? 1 : 0);
    this.elemAddr.length = e.slot;
    return r;
  }
}

function scalarTy(t: TypeDesc | { t: "ip" }): Scalar {
  if (t.t === "number" || t.t === "bool") return t.t;
  return "string";
}

/** An i64 constant (binaryen 132 takes one bigint). */
export function i64c(m: binaryen.Module, v: bigint): Ref {
  return m.i64.const(BigInt.asIntN(64, v));
}
