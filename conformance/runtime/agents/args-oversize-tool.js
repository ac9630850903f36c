// expect: {"status":"killed","signal":"SIGPOLICY","violations":[{"effect":"kill","rule":null}],"syscalls":1}
// A 300 KB tool argument, past the kernel's argBytes (256 KiB): refused as a violation before any decision on its content.
export default async function main() {
  await sys.tool("echo", { value: "x".repeat(300 * 1024) });
  return "sent 300 KB";
}
