// expect: {"status":"exited","result":"reviewed: please","violations":[]}
// A call stopped for review runs once the operator approves it, and only after the approval is durable in the flight log.
// operator: "approve"
export default async function main() {
  return await sys.tool("review", { note: "please" });
}
