// expect: {"status":"exited","result":"logged"}
// 300 log lines of 512 KB each, spread over slices: each record is cut short, and the line cap holds.
export default async function main() {
  const big = "y".repeat(512 * 1024);
  for (let i = 0; i < 300; i++) {
    sys.log(big);
    // A tool call waits for the next slice under either recorder (a read from memory is answered
    // inside the call under a memory recorder, and would not end the slice).
    if (i % 50 === 0) await sys.tool("echo", { value: "tick" });
  }
  return "logged";
}
