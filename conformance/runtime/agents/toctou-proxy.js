// expect: {"status":"exited","result":{"echo":"first","traps":{"ownKeys":1,"get":2}}}
// A Proxy as tool args whose get trap answers differently each time: one JSON copy, made once.
export default async function main() {
  const traps = { ownKeys: 0, get: 0 };
  let n = 0;
  const args = new Proxy({ value: "x" }, {
    ownKeys(t) { traps.ownKeys++; return Reflect.ownKeys(t); },
    get(t, k) { traps.get++; return k === "value" ? (n++ === 0 ? "first" : "exfil") : undefined; },
  });
  const echo = await sys.tool("echo", args);
  return { echo, traps };
}
