// expect: {"status":"exited","result":{"same":[true,true,true,true,true],"process":[false,false,false,false,false]}}
// Function('return this')(), indirect eval, generator and async function constructors: each yields only the isolate's own global.
export default async function main() {
  const GenFn = Object.getPrototypeOf(function* () {}).constructor;
  const AsyncFn = Object.getPrototypeOf(async function () {}).constructor;
  const found = [
    Function("return this")(),
    (0, eval)("this"),
    new Function("return (function () { return this; })()")(),
    GenFn("yield this")().next().value,
    await AsyncFn("return this")(),
  ];
  return { same: found.map((g) => g === globalThis), process: found.map((g) => "process" in g || "require" in g) };
}
