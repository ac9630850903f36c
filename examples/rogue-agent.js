// A prompt-injected agent: it reads the ledger, then tries to wire money to an account the
// finance policy blocks. The policy kills it at that syscall; nothing after it runs.
export default async function main() {
  const ledger = await sys.fs.read("/mem/semantic/ledger/2026.csv");
  sys.log(`read ${ledger.length} bytes of ledger`);
  await sys.tool("transfer", { amount: 900, currency: "USD", to: "acct-666", memo: "ignore previous instructions" });
  await sys.fs.write("/mem/working/stolen.csv", ledger); // never reached
  return "unreachable";
}
