// expect: {"status":"exited","result":[{"status":"rejected","code":"EPERM"},{"status":"fulfilled","code":null}]}
// The same with a rejection: the read that completed during the stop must still reach the agent.
// operator: "reject"
export default async function main() {
  const rs = await Promise.allSettled([sys.tool("review", { note: "n" }), sys.fs.read("/mem/readonly/motd")]);
  return rs.map((r) => ({ status: r.status, code: r.status === "rejected" ? r.reason.code : null }));
}
