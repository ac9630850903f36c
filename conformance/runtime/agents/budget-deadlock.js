// expect: {"status":"crashed","error":{"code":"EDEADLK"},"violations":[]}
// Awaits a promise nothing can ever resolve (no timers exist): the kernel notices instead of holding the agent forever.
export default async function main() {
  await new Promise(() => {});
}
