// expect: {"status":"exited","result":"logged","violations":[],"syscalls":0}
// sys.log with a cycle, a throwing toJSON, a BigInt, a symbol and a 1 MB string: logging never throws and is no syscall.
export default async function main() {
  const cyc = {}; cyc.self = cyc;
  sys.log(cyc);
  sys.log({ toJSON() { throw new Error("boom"); } });
  sys.log(10n);
  sys.log(Symbol("s"));
  sys.log("x".repeat(1 << 20));
  sys.log("a", 1, { b: [2] });
  return "logged";
}
