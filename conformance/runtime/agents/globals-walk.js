// expect: {"status":"exited","result":{"extra":[],"symbols":["Symbol(Symbol.toStringTag)"],"protoChain":["Object"],"sysKeys":["checkpoint","fs","log","net","on","pipe","signal","spawn","tool"]}}
// Walks globalThis, its prototype chain and sys for anything that is not standard ECMAScript or the sys API.
const STANDARD = new Set(["Error", "EvalError", "RangeError", "ReferenceError", "SyntaxError", "TypeError", "URIError",
  "InternalError", "AggregateError", "Array", "Object", "Function", "Iterator", "parseInt", "parseFloat", "isNaN", "isFinite",
  "decodeURI", "decodeURIComponent", "encodeURI", "encodeURIComponent", "escape", "unescape", "Infinity", "NaN", "undefined",
  "eval", "Number", "Boolean", "String", "Math", "Reflect", "Symbol", "globalThis", "BigInt", "Date", "RegExp", "JSON", "Proxy",
  "Map", "Set", "WeakMap", "WeakSet", "ArrayBuffer", "Uint8ClampedArray", "Int8Array", "Uint8Array",
  "Int16Array", "Uint16Array", "Int32Array", "Uint32Array", "BigInt64Array", "BigUint64Array", "Float16Array", "Float32Array",
  "Float64Array", "DataView", "Promise", "sys", "console"]);
export default async function main() {
  const extra = Object.getOwnPropertyNames(globalThis).filter((n) => !STANDARD.has(n));
  const symbols = Object.getOwnPropertySymbols(globalThis).map(String);
  const protoChain = [];
  for (let p = Object.getPrototypeOf(globalThis); p; p = Object.getPrototypeOf(p)) protoChain.push(p === Object.prototype ? "Object" : Object.getOwnPropertyNames(p).join(","));
  return { extra, symbols, protoChain, sysKeys: Reflect.ownKeys(sys).map(String).sort() };
}
