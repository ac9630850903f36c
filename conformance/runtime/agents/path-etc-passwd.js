// expect: {"status":"killed","signal":"SIGPOLICY","violations":[{"syscall":"fs.read","target":"/etc/passwd","effect":"kill","rule":null}]}
// The classic /mem/working/../../../etc/passwd: canonical /etc/passwd has no rule, so the default (kill) applies; no host file is read.
export default async function main() {
  return await sys.fs.read("/mem/working/../../../etc/passwd");
}
