// expect: {"status":"killed","signal":"SIGPOLICY","violations":[{"effect":"kill","rule":null}],"syscalls":1}
// Arrays nested 3,000 deep where the type wants strings: neither the copy, the type check nor the flight recorder may fall over.
export default async function main() {
  let v = [];
  for (let i = 0; i < 3000; i++) v = [v];
  await sys.tool("tags", { items: v });
  return "sent";
}
