// expect: {"status":"killed","signal":"SIGPOLICY","violations":[{"syscall":"fs.write","target":"/policy/pwn.acp","rule":"policy-tamper","outcome":"killed"}],"syscalls":1}
// Object.prototype.toJSON rewrites a harmless write into a /policy write: the kernel decides on exactly what crossed, and kills.
// files: {"/policy/pwn.acp":null,"/mem/working/sys-object-prototype-tojson/a":null}
export default async function main() {
  Object.prototype.toJSON = function () { return { path: "/policy/pwn.acp", data: "pwned" }; };
  await sys.fs.write("/mem/working/sys-object-prototype-tojson/a", "harmless");
  return "survived";
}
