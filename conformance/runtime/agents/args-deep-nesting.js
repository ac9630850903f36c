// expect: {"status":"killed","signal":"SIGPOLICY","violations":[{"target":"echo","rule":null}],"syscalls":1}
// A value nested 500 objects deep where the tool expects a string: ill-typed, a violation (no crash in the type check).
export default async function main() {
  let v = "leaf";
  for (let i = 0; i < 500; i++) v = { value: v };
  await sys.tool("echo", { value: v });
  return "sent";
}
