// expect: {"status":"killed","signal":"SIGKILL","error":{"code":"EBUDGET"}}
// A SIGTERM handler that spins forever: the budget applies inside handlers too.
// signal: {"signal":"SIGTERM","when":"/mem/working/signal-sigterm-loop/ready"}
export default async function main() {
  sys.on("SIGTERM", () => { for (;;) {} });
  await sys.fs.write("/mem/working/signal-sigterm-loop/ready", "yes");
  for (;;) await sys.fs.read("/mem/working/signal-sigterm-loop/ready");
}
