// expect: {"status":"exited","result":{"secret":"EPERM","readonly":"EPERM","motd":"read me, do not write me"},"violations":[{"rule":"secrets","outcome":"EPERM"},{"rule":"readonly","outcome":"EPERM"}]}
// Control: denied syscalls fail with EPERM and the agent goes on (deny, not kill).
export default async function main() {
  let secret, readonly;
  try { await sys.fs.read("/mem/semantic/secrets/key"); } catch (e) { secret = e.code; }
  try { await sys.fs.write("/mem/readonly/motd", "overwritten"); } catch (e) { readonly = e.code; }
  return { secret, readonly, motd: await sys.fs.read("/mem/readonly/motd") };
}
