// expect: {"status":"killed","signal":"SIGPOLICY","violations":[{"target":"echo","rule":null}]}
// NaN, Infinity and undefined where the tool expects a string (they become null or vanish in JSON): ill-typed.
export default async function main() {
  await sys.tool("echo", { value: NaN });
  return "sent NaN";
}
