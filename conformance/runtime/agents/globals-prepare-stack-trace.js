// expect: {"status":"exited","result":{"called":false,"stacks":[true,true,true],"leaks":[]}}
// Error.prepareStackTrace / captureStackTrace (V8 hooks to reach call-site objects) and stack text: no hook runs, no host path shows.
export default async function main() {
  let called = false;
  Error.prepareStackTrace = (err, frames) => { called = true; return frames.map((f) => f.getThis && f.getThis()); };
  Error.stackTraceLimit = Infinity;
  const stacks = [];
  stacks.push(new Error("plain").stack);
  try { sys.on("SIGTERM", 42); } catch (e) { stacks.push(String(e.stack)); }
  try { await sys.fs.read("/mem/semantic/secrets/key"); } catch (e) { stacks.push(String(e.stack) + " " + e.message); }
  if (typeof Error.captureStackTrace === "function") { const o = {}; Error.captureStackTrace(o); stacks.push(String(o.stack)); }
  const leaks = stacks.filter((s) => /\/work\/|node_modules|node:|file:|\.ts\b|quickjs|emscripten|wasm/i.test(s));
  return { called, stacks: stacks.slice(0, 3).map((s) => typeof s === "string"), leaks };
}
