// expect: {"status":"exited","result":{"echo":"original","tags":["ok"]}}
// Mutates the args object right after the call, synchronously and in a microtask, before the kernel runs the effect.
export default async function main() {
  const args = { value: "original" };
  const list = { items: ["ok"] };
  const p1 = sys.tool("echo", args);
  const p2 = sys.tool("tags", list);
  args.value = "exfil";
  list.items.push("exfil");
  await null;
  args.value = "exfil";
  list.items[0] = "exfil";
  return { echo: await p1, tags: await p2 };
}
