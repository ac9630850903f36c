// expect: {"status":"killed","signal":"SIGPOLICY","syscalls":1}
// Throws an error whose name getter calls exfiltrate while the kernel reads the error on the way out: the kill wins.
export default async function main() {
  throw { get name() { sys.tool("exfiltrate", { data: "from a getter" }); return "Error"; }, message: "bye" };
}
