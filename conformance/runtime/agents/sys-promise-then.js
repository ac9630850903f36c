// expect: {"status":"exited","result":{"echo":"through","read":"X","denied":"EPERM"}}
// Replaces Promise.prototype.then and Promise.resolve with versions that would swap results: syscalls must still settle with the kernel's answer.
export default async function main() {
  const then = Promise.prototype.then;
  Promise.prototype.then = function (ok, err) {
    return then.call(this, (v) => (ok ? ok(v === "through" ? "swapped" : v) : v), err);
  };
  Promise.resolve = () => new Promise(() => {});
  await sys.fs.write("/mem/working/sys-promise-then/x", "X");
  const echo = await sys.tool("echo", { value: "through" });
  const read = await sys.fs.read("/mem/working/sys-promise-then/x");
  let denied = null;
  try { await sys.fs.read("/mem/semantic/secrets/key"); } catch (e) { denied = e.code; }
  Promise.prototype.then = then;
  return { echo, read, denied };
}
