// expect: {"status":"killed","signal":"SIGTERM","violations":[]}
// Waits for review with a SIGTERM handler installed: a stopped agent runs no handler, SIGTERM ends it, and the reviewed tool never runs.
// operator: "wait"
// signal: {"signal":"SIGTERM","when":"pending"}
export default async function main() {
  sys.on("SIGTERM", async () => { await sys.fs.write("/mem/working/signal-kill-during-review/handler", "ran"); });
  return await sys.tool("review", { note: "signal-kill-during-review" });
}
