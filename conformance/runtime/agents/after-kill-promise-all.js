// expect: {"status":"killed","signal":"SIGPOLICY","violations":[{"target":"exfiltrate"}],"syscalls":3}
// Promise.all of writes with a killing call in the middle: the writes issued before it, in the same slice, must not take effect either.
// files: {"/mem/working/after-kill-promise-all/a":null,"/mem/working/after-kill-promise-all/b":null,"/mem/working/after-kill-promise-all/c":null}
export default async function main() {
  const d = "/mem/working/after-kill-promise-all/";
  await Promise.all([sys.fs.write(d + "a", "a"), sys.fs.write(d + "b", "b"), sys.tool("exfiltrate", { data: "x" }), sys.fs.write(d + "c", "c")]);
  return "all done";
}
