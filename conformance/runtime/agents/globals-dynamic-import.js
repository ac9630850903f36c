// expect: {"status":"exited","result":{"loaded":[],"failed":9}}
// Dynamic import() of host modules (node:, QuickJS std/os, data: and file URLs, absolute paths): all must fail.
export default async function main() {
  const specs = ["node:fs", "fs", "child_process", "std", "os", "data:text/javascript,export default 1",
    "file:///etc/passwd", "/work/main/runtime/kernel/kernel.ts", "../../runtime/isolate/bootstrap.js"];
  const loaded = [];
  let failed = 0;
  for (const s of specs) {
    try { await import(s); loaded.push(s); } catch (e) { failed++; }
  }
  return { loaded, failed };
}
