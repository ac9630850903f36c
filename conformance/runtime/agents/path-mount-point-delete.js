// expect: {"status":"killed","signal":"SIGPOLICY","violations":[{"syscall":"fs.delete","target":"/mem/working","rule":null}]}
// Deletes the /mem/working mount point itself via /mem/working/x/.. (the delete rule covers only what is below it).
export default async function main() {
  await sys.fs.write("/mem/working/path-mount-point-delete/x", "x");
  await sys.fs.remove("/mem/working/path-mount-point-delete/..");
  return "removed the mount";
}
