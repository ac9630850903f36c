// expect: {"status":"crashed","violations":[]}
// A growing promise chain (f returns Promise.resolve().then(f)) that main awaits until the heap is full: the scheduler preempts it between jobs, the out-of-memory reaches the job queue and the agent crashes. Its runtime must then be let go without aborting the QuickJS instance it shares.
// limits: {"sliceTicks": 100000, "sliceMs": 120000, "totalTicks": 100000000}
export default async function main() {
  const f = () => Promise.resolve().then(f);
  await sys.fs.write("/mem/working/mem-promise-chain-oom/started", "yes");
  await f();
  return "the chain ended";
}
