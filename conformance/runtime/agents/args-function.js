// expect: {"status":"killed","signal":"SIGPOLICY","violations":[{"target":"echo","rule":null}],"syscalls":1}
// A function as the tool argument's value, hoping the host calls it: functions do not cross, the args are ill-typed.
export default async function main() {
  await sys.tool("echo", { value: () => "called back" });
  return "sent a function";
}
