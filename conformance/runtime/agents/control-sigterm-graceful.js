// expect: {"status":"exited","result":"flushed","violations":[]}
// Control: a SIGTERM handler that flushes state and lets main return in time.
// signal: {"signal":"SIGTERM","when":"/mem/working/control-sigterm-graceful/ready"}
// files: {"/mem/working/control-sigterm-graceful/state":"flushed"}
export default async function main() {
  let stop = false;
  sys.on("SIGTERM", async () => { await sys.fs.write("/mem/working/control-sigterm-graceful/state", "flushed"); stop = true; });
  await sys.fs.write("/mem/working/control-sigterm-graceful/ready", "yes");
  while (!stop) await sys.fs.read("/mem/working/control-sigterm-graceful/ready");
  return "flushed";
}
