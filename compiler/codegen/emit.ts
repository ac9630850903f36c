// Assembles the decision module from a plan: one function per rule condition, one per candidate
// group, one per syscall, a funcref table for O(1) dispatch (no nested br_table blocks, whose
// construction grows with the square of the cases), and `decide`.
import binaryen from "binaryen";
import { AGENT_READS, SYSCALLS, type AbiDesc } from "../../stdlib/abi/types.js";
import { EFFECT_RANK, type CheckedPolicy, type IExpr } from "../ir.js";
import type { Candidate, Group, Plan } from "../planner.js";
import { DataBuilder } from "./data.js";
import { ExprLowering, GLOBALS, HDR, type CodegenCtx } from "./expr.js";
import { Fn, MEM } from "./lib/dsl.js";
import { addWasmLib } from "./wasm-lib.js";
import { addComponentAdapter } from "./component/adapter.js";
import { compileGlob } from "../../stdlib/automata/compile.js";
import { isPatternError } from "../../stdlib/automata/errors.js";

const { i32, none } = binaryen;
const TABLE = "dispatch";
const PAGE = 65536;

export interface Emitted { wasm: Uint8Array; abi: AbiDesc; text?: string }

export interface EmitOptions {
  optimize?: boolean;
  /** Emit the core module of a component (wit/policy.wit): the JSON adapter's `decide` and
   * `cabi_realloc` are exported instead of the ABI's `decide`, `req_base` and `audit_base`. */
  component?: boolean;
}

export function emitModule(cp: CheckedPolicy, plan: Plan, opts: EmitOptions = {}): Emitted {
  const m = new binaryen.Module();
  try {
    return build(m, cp, plan, opts.optimize ?? true, opts.component ?? false);
  } finally {
    m.dispose();
  }
}

function build(m: binaryen.Module, cp: CheckedPolicy, plan: Plan, optimize: boolean, component: boolean): Emitted {
  const data = new DataBuilder();
  const lib = addWasmLib(m);
  const ctx: CodegenCtx = { m, lib, data, agentReads: new Set() };
  const violation = EFFECT_RANK[cp.onViolation];
  const pack = (rank: number, rule: number) => m.i32.const(rank | ((rule + 1) << 4));
  const base = () => m.global.get(GLOBALS.reqBase, i32);
  const auditBase = () => m.global.get(GLOBALS.auditBase, i32);

  // Conditions by what they compute (rules on different tools often test the same thing), and how
  // many distinct groups test each: one tested in one group is lowered into it, the others get a
  // function of their own that the groups share. (Thousands of one-rule groups, one per tool,
  // would otherwise double the functions binaryen optimizes.)
  const condKeys = cp.rules.map((r) => (r.cond ? condKey(r.cond) : ""));
  const rankOf = (rule: number) => EFFECT_RANK[cp.rules[rule]!.effect as keyof typeof EFFECT_RANK];
  // A tool's or pipe's group is emitted by its shape (what it tests, in which order, to which
  // effect), its rule indices read from a per-target list: thousands of tools with the same kind
  // of rule share one function, not one each (fewer functions to optimize, and to keep in the
  // instruction cache when requests go to many tools). Other groups are emitted as they are.
  const groupKey = (g: Group, code: number) => plan[SYSCALLS[code]!].kind === "indexed"
    ? `${code}:` + JSON.stringify([g.candidates.map((c) => [condKeys[c.rule], rankOf(c.rule), c.glob]), g.audits.map((a) => [condKeys[a.rule], a.glob])])
    : JSON.stringify(g);
  const uses = new Map<string, number>();
  const counted = new Set<string>();
  SYSCALLS.forEach((sc, code) => {
    const p = plan[sc];
    for (const g of p.kind === "static" ? [p.group] : p.groups) {
      const key = groupKey(g, code);
      if (counted.has(key)) continue;
      counted.add(key);
      for (const c of [...g.candidates, ...g.audits]) uses.set(condKeys[c.rule]!, (uses.get(condKeys[c.rule]!) ?? 0) + 1);
    }
  });

  const condFn = new Map<string, string>();
  const condCall = (rule: number, within: Fn): binaryen.ExpressionRef | null => {
    const r = cp.rules[rule]!;
    if (!r.cond) return null;
    const key = condKeys[rule]!;
    if (uses.get(key) === 1) return new ExprLowering(ctx, within).lower(r.cond);
    let name = condFn.get(key);
    if (!name) {
      const fn = new Fn(m, []);
      const body = new ExprLowering(ctx, fn).lower(r.cond);
      name = fn.finish(`cond_${condFn.size}`, i32, [body]);
      condFn.set(key, name);
    }
    return m.call(name, [], i32);
  };
  const globTest = (c: Candidate): binaryen.ExpressionRef | null => {
    if (!c.glob) return null;
    const d = compileForFallback(c.glob.kind, c.glob.src);
    return m.call(lib.dfaAccepts, [m.i32.const(data.dfa(d)), m.i64.load(HDR.target, 8, base(), MEM)], i32);
  };
  const test = (c: Candidate, within: Fn): binaryen.ExpressionRef => {
    const parts = [globTest(c), condCall(c.rule, within)].filter((x): x is number => x !== null);
    if (parts.length === 0) return m.i32.const(1);
    return parts.length === 1 ? parts[0]! : m.if(parts[0]!, parts[1]!, m.i32.const(0));
  };

  // Candidate groups, deduplicated: many accept sets select the same rules. With `lists` (the
  // address of a table of per-target rule lists), the function serves every group of its shape and
  // reads the j-th rule (candidates, then audits) from the request's target's list.
  const groupFns = new Map<string, string>();
  let auditMax = 0;
  const groupFn = (g: Group, code: number, lists: number | null): string => {
    const key = groupKey(g, code);
    let name = groupFns.get(key);
    if (name) return name;
    name = `group_${groupFns.size}`;
    auditMax = Math.max(auditMax, g.audits.length);
    const fn = new Fn(m, []);
    const body: binaryen.ExpressionRef[] = [];
    const list = lists === null ? null : fn.local(i32);
    if (list) body.push(list.set(m.i32.load(lists!, 4, m.i32.shl(m.i32.load(HDR.targetIndex, 4, base(), MEM), m.i32.const(2)), MEM)));
    const ruleAt = (j: number, rule: number) => (list ? m.i32.load(4 * j, 4, list.get(), MEM) : m.i32.const(rule));
    const packAt = (j: number, c: Candidate) =>
      list ? m.i32.or(m.i32.shl(m.i32.add(ruleAt(j, c.rule), m.i32.const(1)), m.i32.const(4)), m.i32.const(rankOf(c.rule))) : pack(rankOf(c.rule), c.rule);
    if (g.audits.length) {
      const n = fn.local(i32);
      g.audits.forEach((a, k) => {
        body.push(m.if(test(a, fn), m.block(null, [
          m.i32.store(4, 4, m.i32.add(auditBase(), m.i32.shl(n.get(), m.i32.const(2))), ruleAt(g.candidates.length + k, a.rule), MEM),
          n.set(m.i32.add(n.get(), m.i32.const(1))),
        ])));
      });
      body.push(m.i32.store(0, 4, auditBase(), n.get(), MEM));
    }
    g.candidates.forEach((c, j) => {
      const t = test(c, fn);
      body.push(isConstTrue(m, t) ? m.return(packAt(j, c)) : m.if(t, m.return(packAt(j, c))));
    });
    body.push(pack(violation, -1));
    fn.finish(name, i32, body);
    groupFns.set(key, name);
    return name;
  };
  /** Each group's rule indices (candidates, then audits), and a table of their addresses by target. */
  const ruleLists = (groups: readonly Group[]): number => {
    const words = (xs: readonly number[]) => {
      const v = new DataView(new ArrayBuffer(4 * xs.length));
      xs.forEach((x, i) => v.setUint32(4 * i, x, true));
      return data.bytes(new Uint8Array(v.buffer), 8);
    };
    const at = words(groups.flatMap((g) => [...g.candidates, ...g.audits].map((c) => c.rule)));
    let next = 0;
    return words(groups.map((g) => { const addr = at + 4 * next; next += g.candidates.length + g.audits.length; return addr; }));
  };

  // The dispatch table: [syscall handlers..., then each syscall's groups].
  const table: string[] = [];
  const sysFns: string[] = [];
  const dispatchTo = (index: binaryen.ExpressionRef) => m.call_indirect(TABLE, index, [], none, i32);
  SYSCALLS.forEach((sc, code) => {
    const p = plan[sc];
    if (p.kind === "static") { sysFns[code] = groupFn(p.group, code, null); return; }
    const lists = p.kind === "indexed" ? ruleLists(p.groups) : null;
    const groups = p.groups.map((g) => groupFn(g, code, lists));
    const fn = new Fn(m, []);
    const idx = fn.local(i32);
    const first = () => SYSCALLS.length + table.length;
    const at = first();
    const body = p.kind === "indexed"
      ? [
          idx.set(m.i32.load(HDR.targetIndex, 4, base(), MEM)),
          m.if(m.i32.ge_u(idx.get(), m.i32.const(groups.length)), m.return(pack(violation, -1))),
          dispatchTo(m.i32.add(idx.get(), m.i32.const(at))),
        ]
      : [
          idx.set(m.call(lib.dfaAcceptId, [m.i32.const(data.dfa(p.dfa)), m.i64.load(HDR.target, 8, base(), MEM)], i32)),
          dispatchTo(m.i32.add(idx.get(), m.i32.const(at))),
        ];
    table.push(...groups);
    sysFns[code] = fn.finish(`sys_${code}`, i32, body);
  });
  const entries = [...sysFns, ...table];

  const decide = new Fn(m, []);
  const sc = decide.local(i32);
  decide.finish("decide", i32, [
    m.global.set(lib.heap, m.i32.load(HDR.heap, 4, base(), MEM)),
    m.i32.store(0, 4, auditBase(), m.i32.const(0), MEM),
    sc.set(m.i32.load(HDR.syscall, 4, base(), MEM)),
    m.if(m.i32.ge_u(sc.get(), m.i32.const(SYSCALLS.length)), m.return(pack(violation, -1))),
    dispatchTo(sc.get()),
  ]);
  if (!component) m.addFunctionExport("decide", "decide");

  m.addTable(TABLE, entries.length, entries.length);
  m.addActiveElementSegment(TABLE, "dispatch_elems", entries, m.i32.const(0));

  if (component) {
    addComponentAdapter(m, data, { tools: cp.tools, pipes: cp.pipes, ruleIds: cp.rules.map((r) => r.id), violationRank: violation, auditMax },
      { decideFn: "decide", memEq: lib.memEq, strEq: lib.strEq, reqBase: GLOBALS.reqBase, auditBase: GLOBALS.auditBase });
  }
  // Static data is complete: place the audit area after it, then the request.
  const audit = data.bytes(new Uint8Array(4 + 4 * Math.max(auditMax, 1)), 8);
  const reqBase = (data.end() + 7) & ~7;
  m.addGlobal(GLOBALS.reqBase, i32, false, m.i32.const(reqBase));
  m.addGlobal(GLOBALS.auditBase, i32, false, m.i32.const(audit));
  if (!component) {
    m.addGlobalExport(GLOBALS.reqBase, GLOBALS.reqBase);
    m.addGlobalExport(GLOBALS.auditBase, GLOBALS.auditBase);
  }
  const pages = Math.ceil((reqBase + PAGE) / PAGE);
  m.setMemory(pages, 65536, "memory", data.segments().map((s) => ({ offset: m.i32.const(s.offset), data: s.data, passive: false })), false, false, MEM);

  if (!m.validate()) throw new CodegenError("E0902", "the emitted module does not validate");
  if (optimize) {
    // The code above is already close to what binaryen makes of it (conditions shared, groups
    // small): -O2 gives a module within 0.1% of -O1's, in twice the time (10,000 per-tool rules).
    binaryen.setOptimizeLevel(1);
    binaryen.setShrinkLevel(1);
    m.optimize();
  }
  const wasm = m.emitBinary();
  const agentReads = AGENT_READS.filter((f) => ctx.agentReads.has(f));
  return { wasm, abi: { version: 1, reqBase, auditBase: audit, agentReads } };
}

/** What a condition's lowering depends on: its IR without source spans, numbers exact (-0 and
 * the infinities are not what JSON would make of them), and of a record type only that it is one
 * (fields are loaded by position; one declared type per tool must not make equal tests differ). */
function condKey(e: IExpr): string {
  return JSON.stringify(e, (k, v: unknown) => {
    if (k === "span") return undefined;
    if (typeof v === "number") return `n${Object.is(v, -0) ? "-0" : String(v)}`;
    if ((k === "ty" || k === "elem") && typeof v === "object" && v !== null && (v as { t?: unknown }).t === "record") return "record";
    return v;
  });
}

function isConstTrue(m: binaryen.Module, e: binaryen.ExpressionRef): boolean {
  const info = binaryen.getExpressionInfo(e) as { id: number; value?: unknown };
  return info.id === binaryen.ConstId && info.value === 1;
}

export class CodegenError extends Error {
  constructor(readonly code: "E0901" | "E0902", message: string) {
    super(message);
    this.name = "CodegenError";
  }
}

function compileForFallback(kind: "path" | "url", src: string) {
  const d = compileGlob(src, kind);
  if (isPatternError(d) || "code" in d) throw new TypeError(`unchecked glob reached codegen: ${src}`);
  return d;
}
