// expect: {"status":"killed","signal":"SIGKILL","error":{"code":"EBUDGET"},"syscalls":0}
// Wraps an infinite loop in try/catch/finally to catch the interrupt and write afterwards: nothing after the kill may run.
// files: {"/mem/working/budget-catch-interrupt/caught":null,"/mem/working/budget-catch-interrupt/finally":null}
export default async function main() {
  try {
    for (;;) {}
  } catch (e) {
    await sys.fs.write("/mem/working/budget-catch-interrupt/caught", String(e));
    return "caught";
  } finally {
    sys.fs.write("/mem/working/budget-catch-interrupt/finally", "ran");
    return "finally";
  }
}
