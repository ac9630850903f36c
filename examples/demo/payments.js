// Pays three small invoices, then one large one that waits for an operator's approval.
export default async function main(input) {
  const receipts = [];
  for (const amount of input.amounts) receipts.push(await sys.tool("transfer", { amount, currency: "USD", to: "acct-1" }));
  return receipts.map((r) => r.id);
}
