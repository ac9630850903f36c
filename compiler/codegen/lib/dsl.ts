// A thin layer over binaryen's expression API so the library functions read as code: typed
// locals by name instead of indices, loops with fresh labels, packed-string accessors. It adds
// nothing at run time; every helper returns plain binaryen expressions.
import binaryen from "binaryen";

export type Expr = binaryen.ExpressionRef;
export type Module = binaryen.Module;

/** The decision module's only memory. Binaryen needs the name on every access (it cannot infer
 * it while the caller has not called setMemory yet), and setMemory's default name is "0". */
export const MEM = "0";

export interface Local {
  get(): Expr;
  set(value: Expr): Expr;
  tee(value: Expr): Expr;
}

/** One function under construction: params come first, then vars, as binaryen numbers them. */
export class Fn {
  private readonly vars: binaryen.Type[] = [];
  private labels = 0;
  readonly params: Local[];

  constructor(
    readonly m: Module,
    private readonly paramTypes: binaryen.Type[],
  ) {
    this.params = paramTypes.map((type, index) => this.local_(index, type));
  }

  local(type: binaryen.Type): Local {
    this.vars.push(type);
    return this.local_(this.paramTypes.length + this.vars.length - 1, type);
  }

  /** A label unique within this function. */
  label(hint: string): string {
    return `${hint}${this.labels++}`;
  }

  /** Adds the function; `body` runs in order and its last expression is the result. */
  finish(name: string, result: binaryen.Type, body: Expr[]): string {
    const m = this.m;
    m.addFunction(name, binaryen.createType(this.paramTypes), result, this.vars, m.block(null, body, result));
    return name;
  }

  /** `while (cond) body` */
  while(cond: Expr, body: Expr[]): Expr {
    const m = this.m;
    const exit = this.label("exit");
    const next = this.label("next");
    return m.block(exit, [m.loop(next, m.block(null, [m.br(exit, m.i32.eqz(cond)), ...body, m.br(next)]))]);
  }

  /** `for (i = from; i < end (unsigned); i++) body`; `end` is evaluated before every iteration. */
  for(i: Local, from: Expr, end: Expr, body: Expr[]): Expr {
    const m = this.m;
    return m.block(null, [i.set(from), this.while(m.i32.lt_u(i.get(), end), [...body, i.set(m.i32.add(i.get(), m.i32.const(1)))])]);
  }

  /** `loop { body }` forever: the body leaves with `return` (a lookup that must meet its end). */
  forever(body: Expr[]): Expr {
    const again = this.label("again");
    return this.m.loop(again, this.m.block(null, [...body, this.m.br(again)]));
  }

  /** `if (cond) return value` */
  returnIf(cond: Expr, value: Expr): Expr {
    return this.m.if(cond, this.m.return(value));
  }

  private local_(index: number, type: binaryen.Type): Local {
    const m = this.m;
    return {
      get: () => m.local.get(index, type),
      set: (value) => m.local.set(index, value),
      tee: (value) => m.local.tee(index, value, type),
    };
  }
}

// ---- memory and packed strings ----

export const i32c = (m: Module, n: number): Expr => m.i32.const(n | 0);

export const load8 = (m: Module, ptr: Expr, offset = 0): Expr => m.i32.load8_u(offset, 1, ptr, MEM);
export const load32 = (m: Module, ptr: Expr, offset = 0): Expr => m.i32.load(offset, 4, ptr, MEM);
export const load64 = (m: Module, ptr: Expr, offset = 0): Expr => m.i64.load(offset, 8, ptr, MEM);
export const store8 = (m: Module, ptr: Expr, value: Expr, offset = 0): Expr => m.i32.store8(offset, 1, ptr, value, MEM);

/** The address of a packed string's bytes (its low 32 bits). */
export const strPtr = (m: Module, s: Expr): Expr => m.i32.wrap(s);
/** The byte length of a packed string (its high 32 bits). */
export const strLen = (m: Module, s: Expr): Expr => m.i32.wrap(m.i64.shr_u(s, m.i64.const(32n)));
/** A packed string from an address and a byte length. */
export const packStr = (m: Module, ptr: Expr, len: Expr): Expr =>
  m.i64.or(m.i64.extend_u(ptr), m.i64.shl(m.i64.extend_u(len), m.i64.const(32n)));

/** `value - lo <u span`: lo ≤ value < lo + span in one unsigned comparison. */
export const inRange = (m: Module, value: Expr, lo: number, span: number): Expr =>
  m.i32.lt_u(m.i32.sub(value, m.i32.const(lo)), m.i32.const(span));

/** `a && b` on i32 truth values, short-circuit: b is not evaluated (no load happens) when a is 0. */
export const andThen = (m: Module, a: Expr, b: Expr): Expr => m.if(a, b, m.i32.const(0));
