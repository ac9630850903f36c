// expect: {"status":"killed","signal":"SIGPOLICY","violations":[{"effect":"kill","rule":null}],"syscalls":1}
// A BigInt in tool args (JSON.stringify throws): the call still reaches the kernel as a malformed request, a violation.
export default async function main() {
  await sys.tool("echo", { value: 10n ** 30n });
  return "sent a BigInt";
}
