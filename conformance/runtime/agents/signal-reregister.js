// expect: {"status":"killed","signal":"SIGKILL"}
// The SIGTERM handler re-registers itself and keeps doing allowed work: the grace period is not renewed.
// signal: {"signal":"SIGTERM","when":"/mem/working/signal-reregister/ready"}
export default async function main() {
  const h = async () => { sys.on("SIGTERM", h); for (;;) await sys.fs.read("/mem/working/signal-reregister/ready"); };
  sys.on("SIGTERM", h);
  await sys.fs.write("/mem/working/signal-reregister/ready", "yes");
  for (;;) await sys.fs.read("/mem/working/signal-reregister/ready");
}
