// expect: {"status":"killed","signal":"SIGKILL"}
// A SIGTERM handler that never finishes while main keeps working: SIGKILL follows after the grace period.
// signal: {"signal":"SIGTERM","when":"/mem/working/signal-ignore-sigterm/ready"}
export default async function main() {
  sys.on("SIGTERM", () => new Promise(() => {}));
  await sys.fs.write("/mem/working/signal-ignore-sigterm/ready", "yes");
  for (let i = 0; ; i++) await sys.fs.write("/mem/working/signal-ignore-sigterm/i", String(i));
}
