// expect: {"status":"exited","result":"logged","syscalls":0}
// 20,000 sys.log lines (maxLogLines is 100): the agent goes on, only the first lines are recorded.
export default async function main() {
  for (let i = 0; i < 20000; i++) sys.log("line " + i);
  return "logged";
}
