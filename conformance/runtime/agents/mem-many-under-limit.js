// expect: {"status":"exited","result":"held"}
// Keeps 4 MiB buffers and strings, each far under its 16 MiB heap limit, catching every out-of-memory and going on. QuickJS here counts an allocation as 8 bytes, so on its own it let all 300 (1.2 GB) through; the kernel holds the total to the limit.
// limits: {"sliceTicks": 100000, "sliceMs": 120000}
export default async function main() {
  const keep = [];
  let refused = 0;
  for (let i = 0; i < 300; i++) {
    try { keep.push(i % 2 ? new Uint8Array(4 << 20) : "x".repeat(4 << 20) + i); } catch (e) { refused++; }
  }
  return refused > 280 ? "held" : `kept ${keep.length} of 300`;
}
