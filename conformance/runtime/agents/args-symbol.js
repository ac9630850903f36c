// expect: {"status":"killed","signal":"SIGPOLICY","violations":[{"syscall":"fs.read","rule":null}],"syscalls":1}
// A Symbol as a path: it has no JSON form, so the request has no path, and that is a violation.
export default async function main() {
  return await sys.fs.read(Symbol("/mem/working/x"));
}
