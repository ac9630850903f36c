// expect: {"status":"crashed","error":{"code":"EPERM"},"violations":[{"syscall":"fs.read","target":"/mem/semantic/secrets/key","effect":"deny","rule":"secrets","outcome":"EPERM"}],"syscalls":1}
// One real denial, then a forged kill-looking error: the exit lists exactly the one violation the kernel made.
export default async function main() {
  try { await sys.fs.read("/mem/semantic/secrets/key"); } catch (e) {}
  throw Object.assign(new Error("killed by policy-tamper"), { code: "EPERM", violations: [{ effect: "kill" }, { effect: "kill" }] });
}
