// expect: {"status":"killed","signal":"SIGKILL","error":{"code":"EBUDGET"}}
// Burns just under a slice between syscalls, forever: no single slice is over budget, the lifetime budget (totalTicks) is.
// limits: {"totalTicks": 1500, "sliceTicks": 400}
export default async function main() {
  for (;;) {
    let x = 0;
    for (let i = 0; i < 500000; i++) x += i;
    await sys.fs.write("/mem/working/budget-total/x", String(x));
  }
}
