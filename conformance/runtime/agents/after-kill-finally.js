// expect: {"status":"killed","signal":"SIGPOLICY","violations":[{"target":"exfiltrate","rule":"exfiltrate","outcome":"killed"}],"syscalls":1}
// A write in a finally block around a killing syscall: the kill is uncatchable, the finally never runs.
// files: {"/mem/working/after-kill-finally/ran":null}
export default async function main() {
  try {
    await sys.tool("exfiltrate", { data: "secrets" });
  } finally {
    await sys.fs.write("/mem/working/after-kill-finally/ran", "finally ran");
  }
}
