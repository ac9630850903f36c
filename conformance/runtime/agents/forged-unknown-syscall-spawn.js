// expect: {"status":"killed","signal":"SIGPOLICY","violations":[{"effect":"kill","rule":null}],"syscalls":1}
// sys.spawn of a child that claims the auditor role and another tenant: no rule allows spawn, a violation.
export default async function main() {
  return await sys.spawn({ source: "export default async () => 1", role: "auditor", tenant: "root", __proto__: { role: "auditor" } });
}
