// expect: {"status":"exited","result":["RangeError","RangeError"]}
// Asks for a 1 GiB ArrayBuffer and a huge typed array in one go: refused inside the guest.
export default async function main() {
  const out = [];
  for (const f of [() => new ArrayBuffer(2 ** 30), () => new Float64Array(2 ** 28)]) {
    try { f(); out.push("allocated"); } catch (e) { out.push(e instanceof RangeError || e.name === "InternalError" ? "RangeError" : e.name); }
  }
  return out;
}
