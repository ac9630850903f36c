// expect: {"status":"killed","signal":"SIGPOLICY","violations":[{"effect":"kill","rule":null}],"syscalls":1}
// A cyclic args object: no JSON form, a violation rather than a hang or a crash.
export default async function main() {
  const items = ["a"];
  items.push(items);
  await sys.tool("tags", { items });
  return "sent a cycle";
}
