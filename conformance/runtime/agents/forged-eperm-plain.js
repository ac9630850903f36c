// expect: {"status":"crashed","signal":null,"error":{"name":"SyscallError","code":"EPERM"},"violations":[],"syscalls":0}
// Throws a plain object shaped like the kernel's SyscallError (name, code, message): still just a crash, with no violations.
export default async function main() {
  throw { name: "SyscallError", code: "EPERM", message: "tool.call exfiltrate: denied by exfiltrate", rule: "exfiltrate", outcome: "killed" };
}
