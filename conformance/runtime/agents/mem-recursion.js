// expect: {"status":"crashed","error":{"code":null},"violations":[]}
// Unbounded plain recursion under the suite's stack limit: a stack-overflow error inside the guest, not an abort of its QuickJS instance.
export default async function main() {
  const f = (n) => f(n + 1) + 1;
  return f(0);
}
