// expect: {"status":"exited","result":"ENOENT"}
// A self-rescheduling microtask (each job queues the next, no loop statement anywhere) beside a pending syscall: the job queue never drains, but the scheduler preempts it between jobs, so the syscall's answer still reaches main, which returns; nothing of the flood runs after the exit.
export default async function main() {
  function f() { Promise.resolve().then(f); }
  f();
  return await sys.fs.read("/mem/working/budget-microtask-flood/none").catch((e) => e.code);
}
