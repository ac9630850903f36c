// expect: {"status":"killed","signal":"SIGKILL","error":{"code":"EBUDGET"}}
// The return value's toJSON loops forever, so the loop runs inside the kernel's exit path.
export default async function main() {
  return { toJSON() { for (;;) {} } };
}
