// expect: {"status":"killed","signal":"SIGPOLICY","violations":[{"effect":"kill","rule":null}],"syscalls":1}
// sys.net.fetch to the cloud metadata endpoint: no net rule exists, a violation, and no request leaves.
export default async function main() {
  return await sys.net.fetch("http://169.254.169.254/latest/meta-data/iam/security-credentials/", { method: "GET" });
}
