// expect: {"status":"killed","signal":"SIGPOLICY","syscalls":51}
// Fifty echo calls queued in one slice, then a kill: none of the queued tool effects may run after the kill.
// files: {"/mem/working/after-kill-queued-tools/late":null}
export default async function main() {
  const calls = [];
  for (let i = 0; i < 50; i++) calls.push(sys.tool("echo", { value: "q" + i }));
  sys.tool("exfiltrate", { data: "now" });
  await Promise.all(calls);
  await sys.fs.write("/mem/working/after-kill-queued-tools/late", "late");
}
