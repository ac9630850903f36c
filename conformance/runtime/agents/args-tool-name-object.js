// expect: {"status":"killed","signal":"SIGPOLICY","violations":[{"syscall":"tool.call","effect":"kill","rule":null}],"syscalls":1}
// A tool name that is an object whose toString says "echo": names must be strings, so this is a violation.
export default async function main() {
  return await sys.tool({ toString: () => "echo", toJSON: () => ({ name: "echo" }) }, { value: "x" });
}
