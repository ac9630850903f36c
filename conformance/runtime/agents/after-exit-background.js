// expect: {"status":"exited","result":"returned"}
// Leaves a background chain running after main returns, to write once the kernel thinks the agent is done: nothing runs after the exit.
// files: {"/mem/working/after-exit-background/late":null,"/mem/working/after-exit-background/early":"early"}
export default async function main() {
  let returned = false;
  (async () => {
    while (!returned) await sys.fs.read("/mem/readonly/motd");
    await sys.fs.write("/mem/working/after-exit-background/late", "late");
  })();
  await sys.fs.write("/mem/working/after-exit-background/early", "early");
  returned = true;
  // A second chain, in the same slice as the exit: it writes a few microtasks after main's promise settles.
  (async () => {
    for (let i = 0; i < 20; i++) await null;
    await sys.fs.write("/mem/working/after-exit-background/late", "same slice");
  })();
  return "returned";
}
