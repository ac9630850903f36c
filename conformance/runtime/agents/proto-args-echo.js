// expect: {"status":"killed","signal":"SIGPOLICY","violations":[{"syscall":"tool.call","target":"echo","effect":"kill","rule":null}]}
// Tool args carrying an own "__proto__" key (made with JSON.parse) to pollute the host's Object.prototype: ill-typed, so a violation.
export default async function main() {
  const args = JSON.parse('{"value":"x","__proto__":{"polluted":"yes","role":"auditor"}}');
  await sys.tool("echo", args);
  return "the kernel accepted an extra __proto__ field";
}
