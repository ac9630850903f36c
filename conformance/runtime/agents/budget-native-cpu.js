// expect: {"status":"exited","result":{"n":1048576000}}
// KNOWN LIMIT, recorded so a fix shows up here: native builtins ("x".repeat of 1 MiB) do seconds of work between QuickJS interrupt checks (every ~10k jumps or calls), so neither the tick nor the wall-clock slice budget can stop this finite burn; the kernel stalls ~2.5 s, then every agent goes on.
// limits: {"totalTicks": 1000000}
export default async function main() {
  let n = 0;
  for (let i = 0; i < 1000; i++) n += "x".repeat(1 << 20).length;
  return { n, note: "ran about a thousand 1 MiB repeats in one slice" };
}
