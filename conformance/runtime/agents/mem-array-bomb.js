// expect: {"status":"crashed","error":{"name":"InternalError","code":null},"violations":[]}
// Allocates 1 MiB buffers until the heap limit: an out-of-memory error inside the guest, nothing outside.
// limits: {"sliceTicks": 100000, "sliceMs": 120000}
export default async function main() {
  const keep = [];
  for (;;) keep.push(new Uint8Array(1 << 20));
}
