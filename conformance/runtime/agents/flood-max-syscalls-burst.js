// expect: {"status":"killed","signal":"SIGKILL","error":{"code":"EQUOTA"},"syscalls":2001}
// 3000 denied syscalls issued in one synchronous burst: the quota stops the burst at 2001 and kills.
// files: {"/mem/working/flood-max-syscalls-burst/after":null}
export default async function main() {
  for (let i = 0; i < 3000; i++) sys.fs.read("/mem/semantic/secrets/key").catch(() => {});
  await sys.fs.write("/mem/working/flood-max-syscalls-burst/after", "after the burst");
}
