// expect: {"status":"crashed","error":{"name":"ReferenceError"},"syscalls":0}
// Schedules work with setTimeout to run after the kernel thinks it ended: timers do not exist.
export default async function main() {
  await new Promise((r) => setTimeout(r, 10));
  return "timers exist";
}
