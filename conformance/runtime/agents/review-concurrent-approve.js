// expect: {"status":"exited","result":["reviewed: n","read me, do not write me"],"violations":[]}
// A syscall that completes while the agent waits for review (Promise.all of a review and a read): after approval both must settle.
// operator: "approve"
export default async function main() {
  return await Promise.all([sys.tool("review", { note: "n" }), sys.fs.read("/mem/readonly/motd")]);
}
