// expect: {"status":"crashed","signal":null,"error":{"name":"Error","code":"EPERM"},"violations":[],"syscalls":0}
// Throws its own Error with code EPERM to look denied: only what the kernel did counts, so it crashed with no violations.
export default async function main() {
  throw Object.assign(new Error("fs.read /mem/semantic/secrets/key: denied by secrets"), { code: "EPERM" });
}
