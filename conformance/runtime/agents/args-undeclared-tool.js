// expect: {"status":"killed","signal":"SIGPOLICY","violations":[{"syscall":"tool.call","target":"shell","effect":"kill","rule":null}]}
// Calls a tool the policy never declared (shell): a violation, whatever the host happens to provide.
export default async function main() {
  return await sys.tool("shell", { cmd: "cat /etc/passwd" });
}
