// expect: {"status":"killed","signal":"SIGPOLICY","violations":[{"target":"/MEM/semantic/secrets/key","rule":null}]}
// Upper-case /MEM/... to dodge a case-sensitive deny: paths are case-sensitive, so it is outside /mem and no rule allows it.
export default async function main() {
  return await sys.fs.read("/MEM/semantic/secrets/key");
}
