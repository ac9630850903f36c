// expect: {"status":"killed","signal":"SIGKILL","error":{"code":"EQUOTA"},"syscalls":2001}
// More syscalls than maxSyscalls (2000), all allowed reads, in sequence: killed with EQUOTA at the first one over.
export default async function main() {
  for (let i = 0; i < 5000; i++) await sys.fs.read("/mem/readonly/motd");
  return "made 5000 syscalls";
}
