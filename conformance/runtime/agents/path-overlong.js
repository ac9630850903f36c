// expect: {"status":"killed","signal":"SIGPOLICY","violations":[{"syscall":"fs.write","rule":null}],"syscalls":1}
// A 5000-byte canonical path (25 names of 200 bytes) under /mem/working: past the 4096-byte limit, refused before any backend.
// files: {"/mem/working/path-overlong/x":null}
export default async function main() {
  await sys.fs.write("/mem/working/path-overlong/" + ("d".repeat(199) + "/").repeat(25) + "x", "long");
  return "wrote an over-long path";
}
