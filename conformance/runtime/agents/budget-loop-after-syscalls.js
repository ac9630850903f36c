// expect: {"status":"killed","signal":"SIGKILL","error":{"code":"EBUDGET"},"syscalls":3}
// Behaves for three syscalls (each resets the slice), then spins: the slice budget still applies in a later slice.
export default async function main() {
  for (let i = 0; i < 3; i++) await sys.fs.write("/mem/working/budget-loop-after-syscalls/" + i, String(i));
  for (;;) {}
}
