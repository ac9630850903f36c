// expect: {"status":"exited","result":{"code":"EPERM","violations":[{"effect":"kill"}]},"violations":[]}
// Returns a value that looks like a denial with violations in it: the exit's own violations stay empty.
export default async function main() {
  return { code: "EPERM", violations: [{ effect: "kill" }] };
}
