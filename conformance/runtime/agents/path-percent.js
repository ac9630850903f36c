// expect: {"status":"exited","result":{"read":"literal","list":["%2e%2e"],"secret":"ENOENT"}}
// Percent-encoded dots (%2e%2e) and slashes (%2f): never decoded, so they are plain names inside /mem/working.
// files: {"/policy/pwn.acp":null,"/mem/working/path-percent/%2e%2e/%2e%2e/%2e%2e/policy/pwn.acp":"literal"}
export default async function main() {
  await sys.fs.write("/mem/working/path-percent/%2e%2e/%2e%2e/%2e%2e/policy/pwn.acp", "literal");
  let secret = null;
  try { await sys.fs.read("/mem/working/%2e%2e%2fsemantic%2fsecrets%2fkey"); } catch (e) { secret = e.code; }
  return { read: await sys.fs.read("/mem/working/path-percent/%2e%2e/%2e%2e/%2e%2e/policy/pwn.acp"), list: await sys.fs.list("/mem/working/path-percent"), secret };
}
