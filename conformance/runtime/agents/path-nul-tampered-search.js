// expect: {"status":"killed","signal":"SIGPOLICY","violations":[{"syscall":"fs.read","target":"/mem/working/a\u0000/../../semantic/secrets/key","effect":"kill"}]}
// Makes string search deny every NUL so the path would go raw and be cut at the NUL on the way to the host: the kernel must decide the whole path.
export default async function main() {
  String.prototype.indexOf = () => -1;
  String.prototype.includes = () => false;
  return await sys.fs.read("/mem/working/a\u0000/../../semantic/secrets/key");
}
