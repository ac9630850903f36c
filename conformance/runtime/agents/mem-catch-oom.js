// expect: {"status":"exited","result":{"recovered":true,"echo":"after oom"}}
// Catches its own out-of-memory error, frees, and goes on: the isolate survives its own OOM, and sys still works.
// limits: {"sliceTicks": 100000}
export default async function main() {
  let keep = [];
  try { for (;;) keep.push(new Uint8Array(1 << 20)); } catch (e) { keep = null; }
  return { recovered: keep === null, echo: await sys.tool("echo", { value: "after oom" }) };
}
