// expect: {"status":"crashed","error":{"code":null},"violations":[]}
// Unbounded plain recursion under the kernel's default stack limit (64 KiB): must stay a guest error, not an abort of the shared QuickJS instance.
export default async function main() {
  function f(n) { return f(n + 1) + 1; }
  return f(0);
}
