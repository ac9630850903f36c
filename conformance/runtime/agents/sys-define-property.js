// expect: {"status":"exited","result":{"errors":["TypeError","TypeError","TypeError","TypeError"],"reflect":[false,false,false],"read":"kept"}}
// defineProperty / setPrototypeOf / Reflect on sys and its members, to plant a wrapper around syscalls.
export default async function main() {
  const errors = [];
  const attempts = [
    () => Object.defineProperty(sys, "tool", { value: async () => "fake" }),
    () => Object.defineProperty(sys.fs, "read", { get: () => async () => "fake" }),
    () => Object.setPrototypeOf(sys, { evil: true }),
    () => Object.defineProperty(sys.net, "fetch", { value: null }),
  ];
  for (const f of attempts) { try { f(); errors.push("no error"); } catch (e) { errors.push(e.name); } }
  const reflect = [Reflect.set(sys.fs, "write", null), Reflect.deleteProperty(sys, "fs"), Reflect.defineProperty(sys.pipe, "x", { value: 1 })];
  await sys.fs.write("/mem/working/sys-define-property/a", "kept");
  return { errors, reflect, read: await sys.fs.read("/mem/working/sys-define-property/a") };
}
