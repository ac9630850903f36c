// expect: {"status":"killed","signal":"SIGPOLICY","violations":[{"effect":"kill","rule":null}],"syscalls":1}
// sys.pipe.send on a pipe the policy never declared, then a checkpoint: a violation at the first.
export default async function main() {
  await sys.pipe.send("covert", { data: "x" });
  return await sys.checkpoint("escape");
}
