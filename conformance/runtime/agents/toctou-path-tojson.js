// expect: {"status":"exited","result":{"calls":1,"written":"payload","pwn":"ENOENT"},"violations":[]}
// A path object whose toJSON names an allowed path first and /mem/episodic (not writable) after: the write lands where it was decided.
// files: {"/mem/episodic/toctou-pwn":null,"/mem/working/toctou-path-tojson/ok":"payload"}
export default async function main() {
  let calls = 0;
  const path = { toJSON() { return calls++ === 0 ? "/mem/working/toctou-path-tojson/ok" : "/mem/episodic/toctou-pwn"; } };
  await sys.fs.write(path, "payload");
  let pwn = null;
  try { pwn = await sys.fs.read("/mem/episodic/toctou-pwn"); } catch (e) { pwn = e.code; }
  return { calls, written: await sys.fs.read("/mem/working/toctou-path-tojson/ok"), pwn };
}
