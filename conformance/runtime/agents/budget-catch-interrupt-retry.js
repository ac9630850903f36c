// expect: {"status":"killed","signal":"SIGKILL","error":{"code":"EBUDGET"},"syscalls":0}
// Catches whatever the loop throws and loops again, in a loop of loops, hoping to outlive the interrupt.
export default async function main() {
  for (;;) {
    try { for (;;) {} } catch (e) { continue; } finally { continue; }
  }
}
