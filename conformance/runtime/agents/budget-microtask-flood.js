// expect: {"status":"killed","signal":"SIGKILL","error":{"code":"EBUDGET"}}
// A self-rescheduling microtask (each job queues the next, no loop statement anywhere) beside a pending syscall: the job queue never drains, the budget ends it.
export default async function main() {
  function f() { Promise.resolve().then(f); }
  f();
  return await sys.fs.read("/mem/working/budget-microtask-flood/none").catch((e) => e.code);
}
