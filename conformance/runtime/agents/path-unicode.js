// expect: {"status":"exited","result":{"list":["\u2024\u2024\u2215\u2024\u2024\u2215policy\u2215pwn","\u2025","\uff0e\uff0e"],"cyrillic":"ENOENT","fullwidthSlash":"ENOENT"}}
// Unicode look-alikes of dots and slashes (U+2024, U+2025, U+FF0E, U+2215, U+FF0F) and a Cyrillic "ѕecrets": plain names, never path syntax.
// files: {"/policy/pwn":null,"/mem/semantic/secrets/pwn":null}
export default async function main() {
  const d = "/mem/working/path-unicode/";
  await sys.fs.write(d + "\uff0e\uff0e/\uff0e\uff0e/\uff0e\uff0e/policy/pwn", "fullwidth");
  await sys.fs.write(d + "\u2025/\u2025/\u2025/mem/semantic/secrets/pwn", "leader");
  await sys.fs.write(d + "\u2024\u2024\u2215\u2024\u2024\u2215policy\u2215pwn", "division slash");
  let cyrillic = null, fullwidthSlash = null;
  try { await sys.fs.read("/mem/semantic/\u0455ecrets/key"); cyrillic = "read"; } catch (e) { cyrillic = e.code; }
  try { await sys.fs.read("/mem/semantic\uff0fsecrets\uff0fkey"); fullwidthSlash = "read"; } catch (e) { fullwidthSlash = e.code; }
  return { list: await sys.fs.list(d), cyrillic, fullwidthSlash };
}
