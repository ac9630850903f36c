// expect: {"status":"crashed","error":{"name":"Error","message":"kept what it could","code":null},"violations":[]}
// Makes Promise.prototype.then throw (a species constructor) an object whose toJSON allocates 1.6 GB: the kernel describes it with QuickJS's dump, which runs that toJSON; it grew the shared instance to its cap (the neighbour aborted), now it is held to the agent's heap limit.
export default async function main() {
  const bomb = { toJSON() { const hog = []; try { for (let i = 0; i < 200; i++) hog.push("x".repeat(8 << 20) + i); } catch (e) { /* out of memory */ } return { name: "Error", message: "kept what it could" }; } };
  Promise.prototype.constructor = { [Symbol.species]: function () { throw bomb; } };
  return "started";
}
