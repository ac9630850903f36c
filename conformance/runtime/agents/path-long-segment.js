// expect: {"status":"exited","result":{"code":"ENAMETOOLONG","list":"ENOENT"},"violations":[]}
// One 300-byte name inside an allowed directory: the path is short enough to decide, the backend refuses the name.
export default async function main() {
  let code = null, list = null;
  try { await sys.fs.write("/mem/working/path-long-segment/" + "n".repeat(300), "x"); code = "written"; } catch (e) { code = e.code; }
  try { await sys.fs.list("/mem/working/path-long-segment"); list = "exists"; } catch (e) { list = e.code; }
  return { code, list };
}
