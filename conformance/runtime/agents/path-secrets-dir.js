// expect: {"status":"exited","result":["EPERM","EPERM","EPERM","EISDIR"]}
// Lists the secrets directory itself (the ** glob does not cover it) with and without a trailing slash, and reads it as a file.
export default async function main() {
  const out = [];
  for (const f of [() => sys.fs.list("/mem/semantic/secrets"), () => sys.fs.list("/mem/semantic/secrets/"), () => sys.fs.list("/mem/semantic/./secrets/x/..")]) {
    try { out.push(await f()); } catch (e) { out.push(e.code); }
  }
  try { out.push(await sys.fs.read("/mem/semantic/secrets")); } catch (e) { out.push(e.code); }
  return out;
}
