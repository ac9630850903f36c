// expect: {"status":"killed","signal":"SIGTERM","violations":[]}
// Control: without a handler, SIGTERM ends the agent at once.
// signal: {"signal":"SIGTERM","when":"/mem/working/control-sigterm-default/ready"}
export default async function main() {
  await sys.fs.write("/mem/working/control-sigterm-default/ready", "yes");
  for (;;) await sys.fs.read("/mem/working/control-sigterm-default/ready");
}
