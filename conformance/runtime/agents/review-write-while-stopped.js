// expect: {"status":"exited","result":{"code":"EPERM"},"violations":[{"rule":"review","outcome":"rejected"}]}
// Asks for review and, in the same breath, writes: the write may complete, but the stop must hold the agent until the operator decides.
// operator: "reject"
// files: {"/mem/working/review-write-while-stopped/w":"during review"}
export default async function main() {
  const w = sys.fs.write("/mem/working/review-write-while-stopped/w", "during review");
  try { await sys.tool("review", { note: "hold" }); return { code: null }; } catch (e) { await w; return { code: e.code }; }
}
