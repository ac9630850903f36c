// expect: {"status":"exited","result":{"read":"dots","list":["a"],"secret":"EPERM"}}
// /./ and // in paths: folded before the decision, so an allowed write lands at the canonical path and a sneaky read is still denied.
// files: {"/mem/working/path-dot-slash/a":"dots"}
export default async function main() {
  await sys.fs.write("/mem/./working//path-dot-slash/./a", "dots");
  let secret = null;
  try { await sys.fs.read("//mem//semantic/./secrets//key"); } catch (e) { secret = e.code; }
  return { read: await sys.fs.read("/mem/working/path-dot-slash/a"), list: await sys.fs.list("/mem/working/path-dot-slash/"), secret };
}
