// expect: {"status":"exited","result":{"code":"EPERM","exists":"ENOENT"},"violations":[{"syscall":"fs.write","effect":"deny","rule":"write-too-big","outcome":"EPERM"}]}
// A 100 KB write (under argBytes, over the policy's 64 KiB size rule): denied by args.size, and nothing is written.
export default async function main() {
  let code = null, exists = null;
  try { await sys.fs.write("/mem/working/args-oversize-write/big", "\u00e9".repeat(50 * 1024)); code = "written"; } catch (e) { code = e.code; }
  try { await sys.fs.read("/mem/working/args-oversize-write/big"); exists = "exists"; } catch (e) { exists = e.code; }
  return { code, exists };
}
