// expect: {"status":"exited","result":{"echo":"hello","tags":["a","b"],"unicode":"\u00e9\u20ac\ud83d\ude00"},"violations":[],"syscalls":3}
// Control: calls the allowed tools and gets their results back, unicode included.
export default async function main() {
  return {
    echo: await sys.tool("echo", { value: "hello" }),
    tags: await sys.tool("tags", { items: ["a", "b"] }),
    unicode: await sys.tool("echo", { value: "\u00e9\u20ac\ud83d\ude00" }),
  };
}
