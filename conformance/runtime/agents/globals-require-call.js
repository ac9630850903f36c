// expect: {"status":"crashed","error":{"name":"ReferenceError","code":null},"violations":[],"syscalls":0}
// Calls require("child_process") as if it were Node: there is no require, so main throws.
export default async function main() {
  const cp = require("child_process");
  return cp.execSync("id").toString();
}
