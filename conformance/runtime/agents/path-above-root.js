// expect: {"status":"exited","result":["EPERM","EPERM","EPERM"],"violations":[{"target":"/mem/semantic/secrets/key"},{"target":"/mem/semantic/secrets/key"},{"target":"/mem/semantic/secrets/key"}]}
// Climbs above the root (/../../..) and back down into the secrets: .. stops at /, and the canonical path is denied.
export default async function main() {
  const out = [];
  for (const p of ["/../../../mem/semantic/secrets/key", "/mem/../../../../../mem/semantic/secrets/key", "/mem/working/a/b/../../../../../mem/semantic/./secrets/key"]) {
    try { await sys.fs.read(p); out.push("read"); } catch (e) { out.push(e.code); }
  }
  return out;
}
