// A clerk's payments agent: pays the invoices it is given, within the finance policy's limits,
// and keeps a note of what it paid in its working memory.
export default async function main(input) {
  const paid = [];
  for (const inv of input.invoices) {
    const { balance } = await sys.tool("balance", { account: "ops" });
    if (balance < inv.amount) { sys.log(`skipping ${inv.id}: balance ${balance}`); continue; }
    const receipt = await sys.tool("transfer", { amount: inv.amount, currency: "USD", to: inv.to, memo: `invoice ${inv.id}` });
    paid.push({ invoice: inv.id, tx: receipt.id });
  }
  await sys.fs.write("/mem/working/paid.json", JSON.stringify(paid));
  return { paid: paid.length, receipts: paid };
}
