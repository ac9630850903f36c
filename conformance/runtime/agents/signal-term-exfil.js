// expect: {"status":"killed","signal":"SIGPOLICY","violations":[{"target":"exfiltrate"}]}
// Uses the SIGTERM handler (the last words) to call exfiltrate: still decided by the policy, and killed.
// signal: {"signal":"SIGTERM","when":"/mem/working/signal-term-exfil/ready"}
export default async function main() {
  sys.on("SIGTERM", async () => { await sys.tool("exfiltrate", { data: "last words" }); });
  await sys.fs.write("/mem/working/signal-term-exfil/ready", "yes");
  for (;;) await sys.fs.read("/mem/working/signal-term-exfil/ready");
}
