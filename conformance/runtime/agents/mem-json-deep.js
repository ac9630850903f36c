// expect: {"status":"crashed","error":{"code":null},"violations":[],"syscalls":0}
// JSON.parse of 60,000 nested brackets (native recursion inside QuickJS): a guest error, not an abort of the shared QuickJS instance.
export default async function main() {
  return JSON.parse("[".repeat(60000) + "]".repeat(60000));
}
