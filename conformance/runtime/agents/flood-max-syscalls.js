// expect: {"status":"killed","signal":"SIGKILL","error":{"code":"EQUOTA"},"syscalls":201}
// More syscalls than maxSyscalls (200 here: under a file recorder each read waits for its fsync), all allowed reads, in sequence: killed with EQUOTA at the first one over.
// limits: {"maxSyscalls": 200}
export default async function main() {
  for (let i = 0; i < 5000; i++) await sys.fs.read("/mem/readonly/motd");
  return "made 5000 syscalls";
}
