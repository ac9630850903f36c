// expect: {"status":"exited","result":{"names":["AggregateError","Array","ArrayBuffer","BigInt","BigInt64Array","BigUint64Array","Boolean","DataView","Date","Error","EvalError","Float16Array","Float32Array","Float64Array","Function","Infinity","Int16Array","Int32Array","Int8Array","InternalError","Iterator","JSON","Map","Math","NaN","Number","Object","Promise","Proxy","RangeError","ReferenceError","Reflect","RegExp","Set","String","Symbol","SyntaxError","TypeError","URIError","Uint16Array","Uint32Array","Uint8Array","Uint8ClampedArray","WeakMap","WeakSet","console","decodeURI","decodeURIComponent","encodeURI","encodeURIComponent","escape","eval","globalThis","isFinite","isNaN","parseFloat","parseInt","sys","undefined","unescape"],"gone":["undefined","undefined","undefined","undefined"],"console":"logged"}}
// Every name on the global object, exactly DESIGN.md's list: the ECMAScript intrinsics without SharedArrayBuffer, Atomics, WeakRef and FinalizationRegistry, plus sys and console. A name added here by a new QuickJS fails this case until it is reviewed.
export default async function main() {
  const names = Object.getOwnPropertyNames(globalThis).sort();
  const gone = [typeof SharedArrayBuffer, typeof Atomics, typeof WeakRef, typeof FinalizationRegistry];
  console.log("console goes to the agent's log");
  return { names, gone, console: typeof console.log === "function" && Object.isFrozen(console) ? "logged" : "missing" };
}
