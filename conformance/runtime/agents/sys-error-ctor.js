// expect: {"status":"exited","result":{"code":"EPERM","realError":true,"fakeUsed":0},"violations":[{"effect":"deny","rule":"secrets","outcome":"EPERM"}]}
// Replaces the global Error constructor before a denied syscall: the rejection must still be a real Error with code EPERM.
export default async function main() {
  const RealError = Error;
  let fakeUsed = 0;
  globalThis.Error = function FakeError(m) { fakeUsed++; return { code: "OK", message: m }; };
  try {
    await sys.fs.read("/mem/semantic/secrets/key");
    return "read a secret";
  } catch (e) {
    return { code: e.code, realError: e instanceof RealError, fakeUsed };
  }
}
