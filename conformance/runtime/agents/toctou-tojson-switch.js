// expect: {"status":"exited","result":{"echo":"a","calls":1}}
// Args whose toJSON returns a different object on each call (a second copy would be "exfil").
export default async function main() {
  let calls = 0;
  const args = { toJSON() { return calls++ === 0 ? { value: "a" } : { value: "exfil" }; } };
  return { echo: await sys.tool("echo", args), calls };
}
