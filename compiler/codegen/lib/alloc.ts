// The bump allocator: scratch memory for one decision (lower()/upper() results, parsed IPs).
// Nothing is ever freed; the host resets everything by writing the next request, and `decide`
// restarts `heap` from the request header's heap-start field.
import binaryen from "binaryen";
import { Fn, MEM, i32c } from "./dsl.js";
import { NAMES } from "./names.js";

const { i32 } = binaryen;

export function addHeap(m: binaryen.Module, heapStart: number): void {
  m.addGlobal(NAMES.heap, i32, true, i32c(m, heapStart));
}

/** alloc(n) -> i32: n bytes at the next 8-aligned address, growing memory as needed. */
export function addAlloc(m: binaryen.Module): void {
  const f = new Fn(m, [i32]);
  const [n] = f.params;
  const p = f.local(i32);
  const end = f.local(i32);
  const pages = f.local(i32);
  const heap = () => m.global.get(NAMES.heap, i32);
  f.finish(NAMES.alloc, i32, [
    p.set(m.i32.and(m.i32.add(heap(), i32c(m, 7)), i32c(m, ~7))),
    end.set(m.i32.add(p.get(), n.get())),
    // A wrapped address means the 4 GiB address space is exhausted: there is no value to return
    // and the decision cannot go on, so trap (the host decides a trapped request as a violation).
    m.if(m.i32.or(m.i32.lt_u(p.get(), heap()), m.i32.lt_u(end.get(), p.get())), m.unreachable()),
    // Pages needed to cover [0, end), computed without overflowing at 4 GiB.
    pages.set(m.i32.add(m.i32.shr_u(end.get(), i32c(m, 16)), m.i32.ne(m.i32.and(end.get(), i32c(m, 0xffff)), i32c(m, 0)))),
    m.if(
      m.i32.gt_u(pages.get(), m.memory.size(MEM)),
      m.if(m.i32.eq(m.memory.grow(m.i32.sub(pages.get(), m.memory.size(MEM)), MEM), i32c(m, -1)), m.unreachable()),
    ),
    m.global.set(NAMES.heap, end.get()),
    p.get(),
  ]);
}
