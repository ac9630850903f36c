// expect: {"status":"killed","signal":"SIGPOLICY","violations":[{"target":"echo","rule":"echo-exfil","outcome":"killed"}],"syscalls":1}
// The reverse flip: "exfil" on the first read, "fine" after: the kernel decides on the one copy, and kills.
export default async function main() {
  let reads = 0;
  await sys.tool("echo", { get value() { return reads++ === 0 ? "exfil" : "fine"; } });
  return "a later read of the getter decided";
}
