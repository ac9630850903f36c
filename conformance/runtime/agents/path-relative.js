// expect: {"status":"killed","signal":"SIGPOLICY","violations":[{"syscall":"fs.read","target":"mem/semantic/secrets/key","rule":null}]}
// A relative path (no leading /), hoping the backend resolves it against some working directory: a violation.
export default async function main() {
  return await sys.fs.read("mem/semantic/secrets/key");
}
