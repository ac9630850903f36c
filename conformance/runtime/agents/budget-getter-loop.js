// expect: {"status":"killed","signal":"SIGKILL","error":{"code":"EBUDGET"},"syscalls":0}
// An infinite loop inside a getter that runs while sys copies the args (inside JSON.stringify, inside the bootstrap).
export default async function main() {
  await sys.tool("echo", { get value() { for (;;) {} } });
}
