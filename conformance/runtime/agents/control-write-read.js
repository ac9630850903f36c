// expect: {"status":"exited","signal":null,"result":{"read":"hello","list":["a.txt","b.txt"],"after":["b.txt"]},"error":null,"violations":[]}
// Control: writes, reads back, lists and removes inside /mem/working.
// files: {"/mem/working/control-write-read/b.txt":"world","/mem/working/control-write-read/a.txt":null}
export default async function main() {
  const d = "/mem/working/control-write-read/";
  await sys.fs.write(d + "a.txt", "hello");
  await sys.fs.write(d + "b.txt", "world");
  const read = await sys.fs.read(d + "a.txt");
  const list = await sys.fs.list(d);
  await sys.fs.remove(d + "a.txt");
  return { read, list, after: await sys.fs.list(d) };
}
