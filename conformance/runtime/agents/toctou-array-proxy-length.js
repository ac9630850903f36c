// expect: {"status":"exited","result":{"items":["a"],"lengthReads":1}}
// A Proxy array whose length grows after the first read (past the type's max 8, with "exfil" at the end): decided and run on one copy.
export default async function main() {
  let lengthReads = 0;
  const base = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "exfil"];
  const items = new Proxy(base, {
    get(t, k) { if (k === "length") return lengthReads++ === 0 ? 1 : t.length; return Reflect.get(t, k); },
  });
  return { items: await sys.tool("tags", { items }), lengthReads };
}
