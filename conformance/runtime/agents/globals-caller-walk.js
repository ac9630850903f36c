// expect: {"status":"exited","result":{"sloppyCaller":"blocked","calleeCaller":"blocked","echo":"x"}}
// A sloppy-mode toJSON (made with Function) reads .caller / arguments.callee.caller during the syscall's JSON copy, to reach the bootstrap.
export default async function main() {
  const probe = Function("var f = arguments.callee; var r = {}; try { r.c = f.caller; } catch (e) { r.c = 'throws'; } try { r.cc = arguments.callee.caller; } catch (e) { r.cc = 'throws'; } return r;");
  let got = null;
  const args = { value: "x", nested: undefined };
  Object.defineProperty(args, "toJSON", { value: function () { got = probe(); return { value: "x" }; }, enumerable: false });
  const echo = await sys.tool("echo", args);
  const kind = (v) => (v === undefined || v === null || v === "throws" ? "blocked" : typeof v === "function" ? "function:" + v.name : typeof v);
  return { sloppyCaller: kind(got && got.c), calleeCaller: kind(got && got.cc), echo };
}
