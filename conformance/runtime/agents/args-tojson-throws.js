// expect: {"status":"killed","signal":"SIGPOLICY","violations":[{"effect":"kill","rule":null}],"syscalls":1}
// Args whose toJSON throws in the middle of the copy: the agent cannot catch it and retry with other args; the call is a violation.
export default async function main() {
  try {
    await sys.tool("echo", { toJSON() { throw new Error("no copy for you"); } });
  } catch (e) {
    return { caught: e.message };
  }
  return "sent";
}
