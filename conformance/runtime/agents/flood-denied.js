// expect: {"status":"exited","result":{"denied":1900},"syscalls":1900}
// 1900 denied reads (just under maxSyscalls) in one burst to bury the flight log: each is decided, recorded and answered EPERM.
export default async function main() {
  const rs = await Promise.allSettled(Array.from({ length: 1900 }, () => sys.fs.read("/mem/semantic/secrets/key")));
  return { denied: rs.filter((r) => r.status === "rejected" && r.reason.code === "EPERM").length };
}
