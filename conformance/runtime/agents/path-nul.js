// expect: {"status":"killed","signal":"SIGPOLICY","violations":[{"syscall":"fs.write","effect":"kill","rule":null}],"syscalls":1}
// A NUL byte to truncate the path after the policy check (/mem/working/x\0/../../../policy/p): refused before any backend.
// files: {"/mem/working/path-nul/x":null,"/policy/p":null}
export default async function main() {
  await sys.fs.write("/mem/working/path-nul/x\u0000/../../../../policy/p", "nul");
  return "wrote through a NUL";
}
