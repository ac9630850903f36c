// expect: {"status":"exited","result":"main ran"}
// Top-level await with Promise.prototype.then replaced: QuickJS's module evaluation calls it, and the kernel reads `default` from what it answers, a getter that allocates 1.6 GB; it grew the shared instance to its cap (the neighbour aborted), now it is held to the agent's heap limit.
const realThen = Promise.prototype.then;
Promise.prototype.then = function () {
  Promise.prototype.then = realThen;
  return { get default() { const hog = []; try { for (let i = 0; i < 200; i++) hog.push("x".repeat(8 << 20) + i); } catch (e) { /* out of memory */ } return async function main() { return "main ran"; }; } };
};
await null;
export default async function main() { return "the real main"; }
