// Test helper run as a child process: appends records as fast as it can and prints, on stdout,
// "ack <seq>" once each is acknowledged and "fail <code> <errno>" for each rejected append. It stops
// after the first failure (printing "after <code>" for one more append) or when it is killed.
import { FlightRecorder } from "../recorder.js";
import { RecorderError } from "../recorder-error.js";

const [path, mode] = process.argv.slice(2);
const say = (s: string) => process.stdout.write(s + "\n");
const agent = { id: "a1", name: "payer", tenant: "acme" };
const decision = { effect: "allow" as const, rule: "small", audit: [] };

const recorder = await FlightRecorder.open({ path: path!, sync: mode === "always" ? "always" : "group" });
let failed = false;
for (let i = 0; !failed; i += 50) {
  const window = [];
  for (let j = i; j < i + 50; j++) {
    window.push(recorder.syscall({ agent, syscall: "tool.call", target: "transfer", args: { amount: j, memo: "x".repeat(j % 200) }, decision }).then(
      (ack) => say(`ack ${ack.seq}`),
      (e: RecorderError) => { failed = true; say(`fail ${e.code} ${e.errno}`); },
    ));
  }
  await Promise.all(window);
}
await recorder.agentEvent(agent, "exited").catch((e: RecorderError) => say(`after ${e.code}`));
process.exit(0);
