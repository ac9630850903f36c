// expect: {"status":"exited","result":{"inner":"inner","outer":"outer"},"syscalls":4}
// A getter that makes an allowed write while the outer write's args are being copied: both are decided and done on their own copies.
export default async function main() {
  const d = "/mem/working/toctou-getter-reentrant-write";
  const data = { toJSON() { sys.fs.write(d + "/inner", "inner"); return "outer"; } };
  await sys.fs.write(d + "/outer", data);
  await null; await null;
  return { inner: await sys.fs.read(d + "/inner"), outer: await sys.fs.read(d + "/outer") };
}
