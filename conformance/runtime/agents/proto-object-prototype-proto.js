// expect: {"status":"exited","result":{"errors":["TypeError","TypeError"],"echo":"fine"}}
// Tries to give Object.prototype a prototype of its own (immutable prototype exotic object), then makes a syscall.
export default async function main() {
  const errors = [];
  try { Object.prototype.__proto__ = { polluted: "yes" }; errors.push("assigned"); } catch (e) { errors.push(e.name); }
  try { Object.setPrototypeOf(Object.prototype, { polluted: "yes" }); errors.push("set"); } catch (e) { errors.push(e.name); }
  return { errors, echo: await sys.tool("echo", { value: "fine" }) };
}
