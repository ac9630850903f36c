// expect: {"status":"exited","result":{"code":"EPERM","leaked":false},"violations":[{"syscall":"fs.read","target":"/mem/semantic/secrets/key","effect":"deny","rule":"secrets","outcome":"EPERM"}]}
// Reads the secret through /mem/working/../semantic/secrets/key: the decision sees the canonical path and denies it.
export default async function main() {
  try {
    const v = await sys.fs.read("/mem/working/../semantic/secrets/key");
    return { code: null, leaked: v.includes("TOPSECRET") };
  } catch (e) {
    return { code: e.code, leaked: String(e.message).includes("TOPSECRET") };
  }
}
