// expect: {"status":"killed","signal":"SIGPOLICY","syscalls":1}
// Catches the failure of a killing call (sync and async) and retries a write: the kill already ended the agent.
// files: {"/mem/working/after-kill-catch-retry/retry":null}
export default async function main() {
  let p;
  try { p = sys.tool("exfiltrate", { data: "x" }); } catch (e) { await sys.fs.write("/mem/working/after-kill-catch-retry/retry", "sync"); }
  try { await p; } catch (e) { await sys.fs.write("/mem/working/after-kill-catch-retry/retry", "async"); }
  await sys.fs.write("/mem/working/after-kill-catch-retry/retry", "after");
}
