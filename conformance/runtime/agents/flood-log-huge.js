// expect: {"status":"exited","result":"logged"}
// 300 log lines of 512 KB each, spread over slices: each record is cut short, and the line cap holds.
export default async function main() {
  const big = "y".repeat(512 * 1024);
  for (let i = 0; i < 300; i++) {
    sys.log(big);
    if (i % 50 === 0) await sys.fs.read("/mem/readonly/motd");
  }
  return "logged";
}
