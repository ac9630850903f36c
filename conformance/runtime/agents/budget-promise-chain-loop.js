// expect: {"status":"killed","signal":"SIGKILL","error":{"code":"EBUDGET"}}
// An endless await loop (for (;;) await null) that never makes a syscall: the scheduler preempts it every quantum, and its jobs count against the lifetime budget (JOBS_PER_TICK jobs a tick), which ends it.
// limits: {"totalTicks": 4000}
export default async function main() {
  await sys.fs.write("/mem/working/budget-promise-chain-loop/started", "yes");
  for (;;) await null;
}
