// expect: {"status":"exited","result":{"error":"TypeError","same":true,"echo":"real"}}
// Object.defineProperty(globalThis, "sys", …) on the non-writable, non-configurable binding, to swap in a fake sys.
export default async function main() {
  const real = sys;
  let error = "no error";
  try { Object.defineProperty(globalThis, "sys", { value: { tool: async () => "fake" } }); } catch (e) { error = e.name; }
  return { error, same: sys === real, echo: await sys.tool("echo", { value: "real" }) };
}
