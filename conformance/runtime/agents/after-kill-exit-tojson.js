// expect: {"status":"killed","signal":"SIGPOLICY","result":null,"syscalls":1}
// Calls exfiltrate from the return value's toJSON, in the kernel's exit path: the kill wins over the exit.
export default async function main() {
  return { toJSON() { sys.tool("exfiltrate", { data: "on the way out" }); return "clean exit"; } };
}
