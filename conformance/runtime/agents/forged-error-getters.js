// expect: {"status":"crashed","error":{"name":"Error","message":"unreadable error","code":null},"violations":[]}
// Throws an object whose name/message getters throw, to break the kernel's exit path: the kernel reports an unreadable error.
export default async function main() {
  throw { get name() { throw new Error("no name"); }, get message() { throw new Error("no message"); }, get code() { throw new Error("no code"); } };
}
