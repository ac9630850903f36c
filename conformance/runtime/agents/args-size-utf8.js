// expect: {"status":"exited","result":{"code":"EPERM"},"violations":[{"rule":"write-too-big"}]}
// 30,000 UTF-16 units of 3-byte characters (90 KB of UTF-8): the size rule must count bytes, not string length.
export default async function main() {
  try { await sys.fs.write("/mem/working/args-size-utf8/big", "\u20ac".repeat(30000)); return { code: "written" }; } catch (e) { return { code: e.code }; }
}
