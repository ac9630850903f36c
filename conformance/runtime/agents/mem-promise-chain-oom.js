// expect: {"status":"crashed","violations":[]}
// A growing promise chain (f returns Promise.resolve().then(f)) until the heap is full: the out-of-memory reaches main, which crashes. Its runtime must then be let go without aborting the QuickJS instance it shares.
// limits: {"sliceTicks": 100000, "sliceMs": 120000}
export default async function main() {
  const f = () => Promise.resolve().then(f);
  f();
  try {
    return await sys.fs.read("/mem/working/mem-promise-chain-oom/none").catch((e) => e.code);
  } catch (e) {
    return "lost to out of memory";
  }
}
