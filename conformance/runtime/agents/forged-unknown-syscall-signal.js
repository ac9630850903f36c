// expect: {"status":"killed","signal":"SIGPOLICY","violations":[{"effect":"kill","rule":null}],"syscalls":1}
// sys.signal to SIGKILL the bystander by name: no rule allows signal, a violation (and the bystander goes on).
export default async function main() {
  return await sys.signal("bystander", "SIGKILL");
}
