// expect: {"status":"exited","result":{"code":"EPERM"},"violations":[{"syscall":"tool.call","target":"review","effect":"stop","rule":"review","outcome":"rejected"}]}
// Control: a call stopped for review fails with EPERM once the operator rejects it, and the agent goes on.
// operator: "reject"
export default async function main() {
  try { await sys.tool("review", { note: "no" }); return { code: null }; } catch (e) { return { code: e.code }; }
}
