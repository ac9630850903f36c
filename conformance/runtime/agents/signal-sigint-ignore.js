// expect: {"status":"killed","signal":"SIGKILL"}
// Registers a SIGINT handler that swallows the signal and carries on: SIGKILL after the grace period.
// signal: {"signal":"SIGINT","when":"/mem/working/signal-sigint-ignore/ready"}
export default async function main() {
  sys.on("SIGINT", () => {});
  await sys.fs.write("/mem/working/signal-sigint-ignore/ready", "yes");
  for (;;) await sys.fs.read("/mem/working/signal-sigint-ignore/ready");
}
