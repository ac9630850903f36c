// Host-side tools for the finance examples (`acpc run --tools examples/finance-tools.js`). They run
// outside the isolate; the agent only sees their JSON results.
let next = 1;
export default {
  balance: { run: async ({ account }) => ({ account, balance: 25_000 }) },
  transfer: { run: async (args) => ({ id: `tx-${next++}`, ...args, status: "settled" }) },
  fxQuote: { run: async ({ from, to }) => ({ from, to, rate: from === to ? 1 : 0.92 }) },
};
