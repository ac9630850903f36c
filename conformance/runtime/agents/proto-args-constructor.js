// expect: {"status":"killed","signal":"SIGPOLICY","violations":[{"target":"tags","rule":null}]}
// Tool args with constructor.prototype.polluted (the other pollution path through merges): ill-typed, a violation.
export default async function main() {
  await sys.tool("tags", { items: ["a"], constructor: { prototype: { polluted: "yes" } } });
  return "the kernel accepted an extra constructor field";
}
