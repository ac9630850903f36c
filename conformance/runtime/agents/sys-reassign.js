// expect: {"status":"exited","result":{"errors":["TypeError","TypeError","TypeError","TypeError"],"same":true,"echo":"still-real"}}
// Reassigns and deletes the global sys (and its members) to swap in a fake: each attempt throws, sys stays the kernel's.
export default async function main() {
  const real = sys;
  const fake = { tool: async () => "fake", fs: {} };
  const errors = [];
  for (const f of [() => { sys = fake; }, () => { globalThis.sys = fake; }, () => { delete globalThis.sys; }, () => { sys.tool = fake.tool; }]) {
    try { f(); errors.push("no error"); } catch (e) { errors.push(e.name); }
  }
  return { errors, same: globalThis.sys === real, echo: await sys.tool("echo", { value: "still-real" }) };
}
