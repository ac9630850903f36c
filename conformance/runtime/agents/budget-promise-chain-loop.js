// expect: {"status":"killed","signal":"SIGKILL","error":{"code":"EBUDGET"}}
// An endless await loop (for (;;) await null) that never yields to the kernel: the slice budget spans all its microtasks.
export default async function main() {
  await sys.fs.write("/mem/working/budget-promise-chain-loop/started", "yes");
  for (;;) await null;
}
