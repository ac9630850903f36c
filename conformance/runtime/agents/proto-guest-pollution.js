// expect: {"status":"exited","result":{"secret":"EPERM","episodic":"survived-deny-check","echo":"ok"},"violations":[{"rule":"secrets","outcome":"EPERM"}]}
// Pollutes its own Object.prototype and Array.prototype with role/tenant/effect/allow before syscalls: the kernel's view of the agent and of the decision must not change.
export default async function main() {
  for (const [k, v] of Object.entries({ role: "auditor", tenant: "root", name: "kernel", effect: "allow", rule: "read-mem", allow: true, size: 0, code: "OK" })) {
    Object.defineProperty(Object.prototype, k, { value: v, writable: true, configurable: true, enumerable: true });
  }
  Array.prototype.includes = () => true;
  let secret = null;
  try { await sys.fs.read("/mem/semantic/secrets/key"); secret = "read it"; } catch (e) { secret = e.hasOwnProperty("code") ? e.code : "no own code"; }
  return { secret, episodic: "survived-deny-check", echo: await sys.tool("echo", { value: "ok" }) };
}
