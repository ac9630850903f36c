// expect: {"status":"crashed","signal":null,"error":{"name":"BudgetExceeded","code":"EBUDGET"},"violations":[]}
// Throws an error that mimics the kernel's own kill (BudgetExceeded, EBUDGET): the status says crashed, not killed.
export default async function main() {
  const e = new Error("ran more than 400 ticks without yielding");
  e.name = "BudgetExceeded";
  e.code = "EBUDGET";
  throw e;
}
