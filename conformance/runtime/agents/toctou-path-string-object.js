// expect: {"status":"exited","result":{"calls":1,"written":"payload"}}
// A String object whose toString flips from an allowed path to /policy after the first read.
// files: {"/policy/toctou.acp":null,"/mem/working/toctou-path-string-object/ok":"payload"}
export default async function main() {
  let calls = 0;
  const path = new String("/mem/working/toctou-path-string-object/ok");
  path.toString = () => (calls++ === 0 ? "/mem/working/toctou-path-string-object/ok" : "/policy/toctou.acp");
  path.valueOf = path.toString;
  await sys.fs.write(path, "payload");
  return { calls, written: await sys.fs.read("/mem/working/toctou-path-string-object/ok") };
}
