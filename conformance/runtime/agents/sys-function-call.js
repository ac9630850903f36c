// expect: {"status":"exited","result":{"echo":"hi","intercepted":[]}}
// Replaces Function.prototype.call before a syscall, to intercept the bootstrap's internal calls (its captured then and the host's promise).
export default async function main() {
  const call = Function.prototype.call;
  const intercepted = [];
  Function.prototype.call = function (...args) {
    if (args.some((a) => a === Promise.prototype.then || a instanceof Promise)) intercepted.push(args.map((a) => typeof a).join(","));
    return Reflect.apply(this, args[0], args.slice(1));
  };
  const echo = await sys.tool("echo", { value: "hi" });
  Function.prototype.call = call;
  return { echo, intercepted };
}
