// expect: {"status":"killed","signal":"SIGKILL","error":{"code":"EBUDGET"},"violations":[],"syscalls":0}
// Spins inside try/finally whose finally calls exfiltrate: the budget kill is uncatchable, so the finally (and its syscall) never runs.
export default async function main() {
  try {
    for (;;) {}
  } finally {
    await sys.tool("exfiltrate", { data: "from finally" });
  }
}
