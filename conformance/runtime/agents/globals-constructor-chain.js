// expect: {"status":"exited","result":["ReferenceError","ReferenceError","ReferenceError","ReferenceError","ReferenceError","ReferenceError"]}
// Constructor chains from objects, sys and its functions to Function, asking for process, the host entry and the bootstrap's closures.
export default async function main() {
  const tries = [
    () => ({}).constructor.constructor("return process")(),
    () => sys.constructor.constructor("return require")(),
    () => sys.fs.read.constructor("return host")(),
    () => sys.tool.constructor("return syscall")(),
    () => sys.log.constructor("return __acp_host")(),
    () => (async () => {}).constructor("return handlers")(),
  ];
  const out = [];
  for (const t of tries) {
    try { const v = t(); out.push(v instanceof Promise ? await v.then(() => "resolved", (e) => e.name) : "got " + typeof v); } catch (e) { out.push(e.name); }
  }
  return out;
}
