// expect: {"status":"killed","signal":"SIGKILL","error":{"code":"EBUDGET"},"syscalls":0}
// for (;;) {} in main: the slice budget (interpreter ticks) ends it.
export default async function main() {
  for (;;) {}
}
