// expect: {"status":"exited","result":{"read":"short in the end"},"violations":[]}
// A 5000-byte path of a/../ pairs that canonicalizes to a short one: the limit applies to the canonical path, which is what reaches the backend.
// files: {"/mem/working/path-overlong-collapsing/x":"short in the end"}
export default async function main() {
  await sys.fs.write("/mem/working/path-overlong-collapsing/" + "a/../".repeat(1000) + "x", "short in the end");
  return { read: await sys.fs.read("/mem/working/path-overlong-collapsing/x") };
}
