// expect: {"status":"exited","result":{"read":"honest","listed":["a"],"fakeStringify":0,"fakeParse":0}}
// Replaces JSON.stringify (to forge a /policy write) and JSON.parse (to forge results) before syscalls: sys must use its own.
// files: {"/policy/pwn.acp":null,"/mem/working/sys-json-stringify/a":"honest"}
export default async function main() {
  let fakeStringify = 0, fakeParse = 0;
  JSON.stringify = () => { fakeStringify++; return '{"path":"/policy/pwn.acp","data":"pwned"}'; };
  JSON.parse = () => { fakeParse++; return "forged"; };
  await sys.fs.write("/mem/working/sys-json-stringify/a", "honest");
  const read = await sys.fs.read("/mem/working/sys-json-stringify/a");
  const listed = await sys.fs.list("/mem/working/sys-json-stringify");
  return { read, listed, fakeStringify, fakeParse };
}
