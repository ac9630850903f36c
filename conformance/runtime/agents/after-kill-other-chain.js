// expect: {"status":"killed","signal":"SIGPOLICY","violations":[{"target":"exfiltrate"}]}
// Another async chain waits for a flag set just before the kill, then writes: no guest code runs after the kill.
// files: {"/mem/working/after-kill-other-chain/flag-seen":null}
export default async function main() {
  let killing = false;
  const watcher = (async () => {
    while (!killing) await sys.fs.read("/mem/readonly/motd");
    await sys.fs.write("/mem/working/after-kill-other-chain/flag-seen", "ran after the kill");
  })();
  await sys.fs.write("/mem/working/after-kill-other-chain/before", "ok");
  killing = true;
  sys.tool("exfiltrate", { data: "x" });
  await watcher;
}
