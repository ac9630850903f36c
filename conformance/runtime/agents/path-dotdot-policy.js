// expect: {"status":"killed","signal":"SIGPOLICY","violations":[{"syscall":"fs.write","target":"/policy/pwn.acp","rule":"policy-tamper","outcome":"killed"}]}
// Climbs out of /mem/working with ../.. to write /policy: canonicalized before the decision, so the kill rule sees /policy/pwn.acp.
// files: {"/policy/pwn.acp":null}
export default async function main() {
  await sys.fs.write("/mem/working/../../policy/pwn.acp", "policy hostile { on violation deny }");
  return "wrote the policy";
}
