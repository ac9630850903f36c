// expect: {"status":"exited","result":{"process":"undefined","require":"undefined","module":"undefined","exports":"undefined","Buffer":"undefined","global":"undefined","setTimeout":"undefined","setInterval":"undefined","setImmediate":"undefined","queueMicrotask":"undefined","fetch":"undefined","XMLHttpRequest":"undefined","WebSocket":"undefined","WebAssembly":"undefined","std":"undefined","os":"undefined","scriptArgs":"undefined","print":"undefined","__acp_host":"undefined","Deno":"undefined","Bun":"undefined","importScripts":"undefined"}}
// Looks for host globals (Node, QuickJS libc, browsers, workers) by typeof: none may exist.
export default async function main() {
  return {
    process: typeof process, require: typeof require, module: typeof module, exports: typeof exports,
    Buffer: typeof Buffer, global: typeof global, setTimeout: typeof setTimeout, setInterval: typeof setInterval,
    setImmediate: typeof setImmediate, queueMicrotask: typeof queueMicrotask, fetch: typeof fetch,
    XMLHttpRequest: typeof XMLHttpRequest, WebSocket: typeof WebSocket, WebAssembly: typeof WebAssembly,
    std: typeof std, os: typeof os, scriptArgs: typeof scriptArgs, print: typeof print,
    __acp_host: typeof __acp_host, Deno: typeof Deno, Bun: typeof Bun, importScripts: typeof importScripts,
  };
}
