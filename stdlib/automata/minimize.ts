// Hopcroft's partition refinement: merges states that no input can tell apart (same accept
// label now and after every suffix). O(k·n·log n), so the 10k-glob planner index and long
// chains like `a{1000}` both minimize quickly. Byte classes that become identical are merged too.
import type { Dfa } from "./dfa.js";
import { compressClasses } from "./classes.js";

export function minimize(dfa: Dfa): Dfa {
  const { numStates: n, numClasses: k, trans, accept } = dfa;

  // Inverse transitions in CSR form: predecessors of t on class c are
  // invList[invStart[c*n + t] .. invStart[c*n + t + 1]).
  const invStart = new Int32Array(k * n + 1);
  for (let s = 0; s < n; s++) for (let c = 0; c < k; c++) invStart[c * n + trans[s * k + c]! + 1]!++;
  for (let i = 0; i < k * n; i++) invStart[i + 1]! += invStart[i]!;
  const fill = invStart.slice(0, k * n);
  const invList = new Int32Array(k * n);
  for (let s = 0; s < n; s++) for (let c = 0; c < k; c++) invList[fill[c * n + trans[s * k + c]!]!++] = s;

  // Partition: each block is a contiguous slice of `elems`; a block's marked states are kept
  // at the front of its slice while a splitter is processed.
  const elems = new Int32Array(n);
  const loc = new Int32Array(n);
  const blockOf = new Int32Array(n);
  const blockStart = new Int32Array(n + 1);
  const blockEnd = new Int32Array(n + 1);
  const marked = new Int32Array(n + 1);
  let numBlocks = 0;
  {
    // Initial partition: by accept label.
    const byLabel = new Map<number, number[]>();
    for (let s = 0; s < n; s++) {
      const group = byLabel.get(accept[s]!);
      if (group) group.push(s);
      else byLabel.set(accept[s]!, [s]);
    }
    let pos = 0;
    for (const group of byLabel.values()) {
      const b = numBlocks++;
      blockStart[b] = pos;
      for (const s of group) {
        elems[pos] = s;
        loc[s] = pos++;
        blockOf[s] = b;
      }
      blockEnd[b] = pos;
    }
  }

  const inWork = new Uint8Array((n + 1) * k);
  const work: number[] = [];
  const push = (b: number, c: number) => {
    inWork[b * k + c] = 1;
    work.push(b * k + c);
  };
  for (let b = 0; b < numBlocks; b++) for (let c = 0; c < k; c++) push(b, c);

  const preds: number[] = [];
  const touched: number[] = [];
  while (work.length > 0) {
    const item = work.pop()!;
    inWork[item] = 0;
    const splitter = Math.floor(item / k);
    const c = item - splitter * k;
    // Collect first: marking reorders elems, possibly inside the splitter block itself.
    for (let i = blockStart[splitter]!; i < blockEnd[splitter]!; i++) {
      const t = elems[i]!;
      for (let j = invStart[c * n + t]!; j < invStart[c * n + t + 1]!; j++) preds.push(invList[j]!);
    }
    for (const s of preds) {
      const x = blockOf[s]!;
      const first = blockStart[x]! + marked[x]!;
      const p = loc[s]!;
      if (p < first) continue; // already marked
      const other = elems[first]!;
      elems[first] = s;
      loc[s] = first;
      elems[p] = other;
      loc[other] = p;
      if (marked[x]!++ === 0) touched.push(x);
    }
    preds.length = 0;
    for (const x of touched) {
      const m = marked[x]!;
      marked[x] = 0;
      if (m === blockEnd[x]! - blockStart[x]!) continue;
      // The marked front becomes a new block; relabelling it costs no more than marking did.
      const y = numBlocks++;
      blockStart[y] = blockStart[x]!;
      blockEnd[y] = blockStart[x]! + m;
      blockStart[x] = blockEnd[y]!;
      for (let i = blockStart[y]!; i < blockEnd[y]!; i++) blockOf[elems[i]!] = y;
      const sizeX = blockEnd[x]! - blockStart[x]!;
      for (let a = 0; a < k; a++) {
        if (inWork[x * k + a]) push(y, a);
        else push(m <= sizeX ? y : x, a);
      }
    }
    touched.length = 0;
  }

  // Renumber blocks: the dead state's block is 0, the others in BFS order from the start.
  const newId = new Int32Array(numBlocks).fill(-1);
  newId[blockOf[0]!] = 0;
  const order = [blockOf[0]!];
  const queue = [blockOf[dfa.start]!];
  if (newId[queue[0]!] === -1) {
    newId[queue[0]!] = order.length;
    order.push(queue[0]!);
  }
  for (let qi = 0; qi < queue.length; qi++) {
    const b = queue[qi]!;
    const rep = elems[blockStart[b]!]!;
    for (let c = 0; c < k; c++) {
      const t = blockOf[trans[rep * k + c]!]!;
      if (newId[t] === -1) {
        newId[t] = order.length;
        order.push(t);
        queue.push(t);
      }
    }
  }
  const m = order.length;
  const outTrans = new Uint32Array(m * k);
  const outAccept = new Uint32Array(m);
  for (let id = 0; id < m; id++) {
    const rep = elems[blockStart[order[id]!]!]!;
    outAccept[id] = accept[rep]!;
    for (let c = 0; c < k; c++) outTrans[id * k + c] = newId[blockOf[trans[rep * k + c]!]!]!;
  }
  return compressClasses({
    classOf: dfa.classOf,
    numClasses: k,
    numStates: m,
    start: newId[blockOf[dfa.start]!]!,
    trans: outTrans,
    accept: outAccept,
    acceptSets: dfa.acceptSets,
  });
}
