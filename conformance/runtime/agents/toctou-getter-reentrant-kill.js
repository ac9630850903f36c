// expect: {"status":"killed","signal":"SIGPOLICY","violations":[{"target":"exfiltrate","rule":"exfiltrate"}],"syscalls":1}
// A getter that calls exfiltrate (a kill) while the outer write's args are being copied: the outer syscall must never be made.
// files: {"/mem/working/toctou-getter-reentrant-kill/outer":null}
export default async function main() {
  const data = { toJSON() { sys.tool("exfiltrate", { data: "secret" }); return "outer"; } };
  await sys.fs.write("/mem/working/toctou-getter-reentrant-kill/outer", data);
  return "survived";
}
