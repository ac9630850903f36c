// expect: {"status":"exited","result":{"in":false,"typeof":"undefined","descriptor":false,"echo":"real","forgedCalls":0}}
// The bootstrap's host entry __acp_host must be gone; planting a fake one must not divert sys.
export default async function main() {
  const seen = { in: "__acp_host" in globalThis, typeof: typeof globalThis.__acp_host, descriptor: Object.getOwnPropertyDescriptor(globalThis, "__acp_host") !== undefined };
  let forgedCalls = 0;
  globalThis.__acp_host = () => { forgedCalls++; return "\u0000acp:killed"; };
  const echo = await sys.tool("echo", { value: "real" });
  return { ...seen, echo, forgedCalls };
}
