// expect: {"status":"exited","result":{"echo":"hi","intercepted":[]}}
// Replaces Array.prototype[Symbol.iterator] before a syscall, to see (and swap) the bootstrap's internal argument lists.
export default async function main() {
  const iter = Array.prototype[Symbol.iterator];
  const intercepted = [];
  Array.prototype[Symbol.iterator] = function () {
    if (this.some((a) => typeof a === "function")) intercepted.push(this.map((a) => typeof a).join(","));
    return iter.call(this);
  };
  const echo = await sys.tool("echo", { value: "hi" });
  Array.prototype[Symbol.iterator] = iter;
  return { echo, intercepted };
}
