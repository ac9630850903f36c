// expect: {"status":"exited","result":["TypeError","TypeError","TypeError","TypeError"]}
// Registers handlers for non-maskable or kernel signals (SIGKILL, SIGPOLICY, SIGSTOP) and a non-function handler: all refused.
export default async function main() {
  const out = [];
  for (const [s, h] of [["SIGKILL", () => {}], ["SIGPOLICY", () => {}], ["SIGSTOP", () => {}], ["SIGTERM", "not a function"]]) {
    try { sys.on(s, h); out.push("accepted"); } catch (e) { out.push(e.name); }
  }
  return out;
}
