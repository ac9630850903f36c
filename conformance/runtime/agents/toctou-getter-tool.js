// expect: {"status":"exited","result":{"echo":"fine","reads":1},"violations":[]}
// A getter that returns "fine" on the first read and "exfil" (a kill rule) later: the tool gets exactly what was decided.
export default async function main() {
  let reads = 0;
  const args = { get value() { return reads++ === 0 ? "fine" : "exfil"; } };
  const echo = await sys.tool("echo", args);
  return { echo, reads };
}
