// expect: {"status":"exited","result":{"items":["a","fine"],"reads":1}}
// An array whose element getter returns "fine" then "exfil" (a kill rule on any element): the tool sees what was decided.
export default async function main() {
  let reads = 0;
  const items = ["a", "b"];
  Object.defineProperty(items, 1, { get() { return reads++ === 0 ? "fine" : "exfil"; }, enumerable: true });
  return { items: await sys.tool("tags", { items }), reads };
}
