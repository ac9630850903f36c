// expect: {"status":"killed","signal":"SIGPOLICY","violations":[{"syscall":"fs.read","effect":"kill","rule":null}],"syscalls":1}
// A path that is an array holding an allowed path, hoping something calls toString on it: not a string, so a violation.
export default async function main() {
  return await sys.fs.read(["/mem/working/x"]);
}
