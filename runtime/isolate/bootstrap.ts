// The guest side of the syscall boundary: runs in every isolate before the agent's code. It takes
// the one host function out of the global object, keeps it in a closure, and builds the frozen
// `sys` object around it. Everything it relies on (JSON, Promise.prototype.then, Error) is captured
// here, before agent code could replace it.

/** Returned by the host entry when the agent was killed during the call. */
export const KILLED = -1;

/**
 * The bootstrap as written, and read: what `BOOTSTRAP` is made from.
 * Evaluated as a script; `__acp_host` is the host entry: one string, the call's name alone or the
 * name, a newline and the JSON of its arguments (JSON text holds no raw newline; a NUL would end the C string), or the name, a tab and a path for calls that take only a path; it returns the syscall's id (its outcome comes later, through settle), its outcome string when it was answered at once, KILLED, or nothing. The
 * script's value is the kernel's handle on the guest: `settle` and `deliver`, and the intrinsics the
 * host starts main with and reads its outcome through (`parse`, `stringify`, `then`, `resolve`, `String`).
 */
export const BOOTSTRAP_SOURCE = `(() => {
  "use strict";
  const host = globalThis.__acp_host;
  delete globalThis.__acp_host;
  const KILLED = ${KILLED};
  const stringify = JSON.stringify, parse = JSON.parse;
  const then = Promise.prototype.then, freeze = Object.freeze, defineProperty = Object.defineProperty;
  const ErrorCtor = Error, PromiseCtor = Promise, StringCtor = String, reflectApply = Reflect.apply;
  // Reflect.apply with an array literal: no lookup of Function.prototype.call and no spread
  // through Array.prototype[Symbol.iterator], both of which agent code could replace.
  const apply2 = (f, self, a, b) => reflectApply(f, self, [a, b]);
  const handlers = { __proto__: null };

  // Syscalls in flight: id → the promise's resolve and reject. A null-prototype object, so agent
  // code that tampers with Map or Object.prototype cannot see or redirect them.
  const pending = { __proto__: null };
  const slice = String.prototype.slice;

  // A call goes as its name, a newline and the JSON of its arguments; a call whose one argument
  // is a path (byPath) goes as the name, a tab and the path itself: no JSON to make here or to
  // parse in the kernel. A NUL would end the C string on the way, so such a path goes as JSON.
  const indexOf = String.prototype.indexOf, NUL = ["\\0"];
  function syscall(name, args, byPath) {
    let wire;
    if (byPath && typeof args === "string" && reflectApply(indexOf, args, NUL) < 0) wire = name + "\\t" + args;
    else {
      let text;
      try { text = stringify(byPath ? { path: args } : args); } catch (e) { text = undefined; }
      wire = text === undefined ? name : name + "\\n" + text;
    }
    const id = host(wire);
    if (id === KILLED) { for (;;) {} }  // the interrupt handler ends this agent here, uncatchably
    // Answered in the same call (no I/O was needed): the outcome itself, as settle() gets it.
    if (typeof id === "string") return outcome(id, resolved, rejected);
    if (typeof id !== "number") throw new ErrorCtor("the kernel could not take this call");
    return new PromiseCtor((res, rej) => { pending[id] = { __proto__: null, res, rej }; });
  }
  // Bound now, before agent code runs: calling them needs no lookup agent code could redirect.
  const resolved = Promise.resolve.bind(PromiseCtor), rejected = Promise.reject.bind(PromiseCtor);

  // A syscall's outcome, as the kernel sends it: the result's JSON ("" for none), or "!" and the
  // JSON of { code, message } (no JSON text starts with "!"). Promises are created and settled
  // here, in the guest, so no host handle outlives the call.
  function outcome(text, res, rej) {
    const failed = text[0] === "!";
    let value;
    try { value = failed ? parse(reflectApply(slice, text, [1])) : text === "" ? undefined : parse(text); } catch (e) { return rej(e); }
    if (!failed) return res(value);
    const err = new ErrorCtor(value.message);
    defineProperty(err, "code", { value: value.code, writable: true, enumerable: true, configurable: true });
    return rej(err);
  }

  // Called by the kernel with the outcome of a syscall that had to wait.
  function settle(id, text) {
    const p = pending[id];
    if (!p) return;
    delete pending[id];
    outcome(text, p.res, p.rej);
  }

  // The calls are closures made by three factories: closures of one factory share its compiled
  // code, where an arrow per call would be a compiled function of its own in every isolate.
  const byPath = (name) => (path) => syscall(name, path, true);
  const one = (name, key) => (a) => syscall(name, { [key]: a });
  const two = (name, k1, k2) => (a, b) => syscall(name, { [k1]: a, [k2]: b });
  const sys = freeze({
    fs: freeze({
      read: byPath("fs.read"),
      write: two("fs.write", "path", "data"),
      list: byPath("fs.list"),
      remove: byPath("fs.delete"),
    }),
    tool: two("tool.call", "name", "args"),
    pipe: freeze({
      send: two("pipe.send", "name", "message"),
      recv: one("pipe.recv", "name"),
    }),
    net: freeze({
      fetch: two("net.fetch", "url", "init"),
    }),
    checkpoint: one("checkpoint", "label"),
    spawn: (spec) => syscall("spawn", spec),
    signal: two("signal", "agent", "signal"),
    on: (signal, handler) => {
      if (typeof handler !== "function") throw new TypeError("sys.on needs a function");
      if (signal !== "SIGTERM" && signal !== "SIGINT") throw new TypeError("only SIGTERM and SIGINT can be handled");
      handlers[signal] = handler;
    },
    log: (...parts) => {
      let text;
      try { text = stringify(parts.length === 1 ? parts[0] : parts); } catch (e) { text = '"(unserializable)"'; }
      if (host("log\\n" + text) === KILLED) { for (;;) {} }
    },
  });
  // An accessor, not a data property: QuickJS lets defineProperty replace a non-configurable data
  // property of the global object, but it keeps non-configurable accessors.
  defineProperty(globalThis, "sys", { get: () => sys, enumerable: false, configurable: false });
  // console writes to the agent's log, as sys.log does (an agent that replaces it replaces its own).
  const log = sys.log;
  globalThis.console = freeze({ log, info: log, warn: log, error: log, debug: log });
  // Not in an agent's world (DESIGN.md, guest globals): shared memory and its atomics (the makings of
  // a timer finer than any clock it is given), and what lets code watch the garbage collector.
  delete globalThis.SharedArrayBuffer;
  delete globalThis.Atomics;
  delete globalThis.WeakRef;
  delete globalThis.FinalizationRegistry;

  // What the host needs to run main and read its outcome, captured here before agent code runs
  // (isolate.ts: main is started and its outcome read by the host, so none of that is compiled in
  // every isolate).
  return freeze({
    settle, parse, stringify, then, resolve: resolved, String: StringCtor,
    deliver(signal) {
      const h = handlers[signal];
      if (!h) return false;
      // A handler that throws or rejects is the agent's business; it must not surface as unhandled.
      apply2(then, apply2(then, new PromiseCtor((r) => r()), () => h(signal), undefined), undefined, () => {});
      return true;
    },
  });
})()`;

/**
 * How a failed main's error is described: compiled in an agent's context the first time its main
 * fails, and called with the bootstrap's String and JSON.stringify (it names no global, so agent
 * code that replaced globals cannot change it). Reading `e.code` once: a getter could answer a
 * string to a type check and something else to the read after it.
 */
export const ERROR_INFO = `(function (S, J) {
  "use strict";
  return function (e) {
    let info;
    try { const code = e && e.code; info = [S(e && e.name), S(e && e.message), typeof code === "string" ? code : null]; }
    catch (x) { info = ["Error", "unreadable error", null]; }
    return J(info);
  };
})`;

/** What each isolate compiles: the source minified (esbuild, at development time; bootstrap.min.ts,
 * made by `npm run gen:bootstrap`, and held to the source by bootstrap.test.ts). QuickJS compiles
 * every character it is given, and a cold spawn is mostly this compile: ~0.40 ms for the source as
 * written, ~0.28 ms minified. */
export { BOOTSTRAP } from "./bootstrap.min.js";
