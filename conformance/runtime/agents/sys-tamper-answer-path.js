// expect: {"status":"exited","result":{"text":"seed","denied":["Error","EPERM",true],"missing":["Error","ENOENT",true],"listed":true}}
// Replaces every builtin the kernel's same-call answer path touches (string search, Reflect.apply, Promise.resolve/reject, JSON.parse, bind, Error) before reading: the answers must still be the real ones.
export default async function main() {
  await sys.fs.write("/mem/working/tamper/seed.txt", "seed");
  String.prototype.indexOf = () => 0;
  String.prototype.slice = () => '{"code":"EFORGED","message":"forged"}';
  Reflect.apply = () => "forged";
  Promise.resolve = () => Promise.reject(new Error("forged resolve"));
  Promise.reject = () => Promise.resolve("forged reject");
  JSON.parse = () => "forged";
  Function.prototype.bind = () => () => "forged";
  globalThis.Error = function Forged() { this.code = "EFORGED"; };
  const text = await sys.fs.read("/mem/working/tamper/seed.txt");
  const shape = async (p) => { try { await sys.fs.read(p); return null; } catch (e) { return [e.constructor.name, e.code, e instanceof Object.getPrototypeOf(RangeError.prototype).constructor]; } };
  const listed = (await sys.fs.list("/mem/working/tamper")).includes("seed.txt");
  return { text, denied: await shape("/mem/semantic/secrets/key"), missing: await shape("/mem/working/tamper/none"), listed };
}
