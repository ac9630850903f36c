// expect: {"status":"exited","result":{"list":["__proto__","constructor","hasOwnProperty"],"a":"one","b":"two","c":"three","missing":"ENOENT"}}
// Files named __proto__, constructor/prototype and hasOwnProperty: the VFS must treat them as plain names.
// files: {"/mem/working/proto-path-segments/__proto__/polluted":"one"}
export default async function main() {
  const d = "/mem/working/proto-path-segments";
  await sys.fs.write(d + "/__proto__/polluted", "one");
  await sys.fs.write(d + "/constructor/prototype/polluted", "two");
  await sys.fs.write(d + "/hasOwnProperty", "three");
  let missing = null;
  try { await sys.fs.read(d + "/toString"); } catch (e) { missing = e.code; }
  return {
    list: await sys.fs.list(d),
    a: await sys.fs.read(d + "/__proto__/polluted"),
    b: await sys.fs.read(d + "/constructor/prototype/polluted"),
    c: await sys.fs.read(d + "/hasOwnProperty"),
    missing,
  };
}
