import { describe, expect, it } from "vitest";
import { show, showEntries } from "./show.js";
import { FlightRecorder } from "./recorder.js";
import { PAYER, writeSampleLog } from "./testdata/sample-log.js";
import { readLog } from "./verify.js";

describe("show", () => {
  it("prints one line per event, each syscall joined with its completion", async () => {
    const { records } = readLog(await writeSampleLog());
    expect(show(records)).toEqual([
      "#0  00:00:01.000  open  policy shop abababababab  unsigned",
      "#2  00:00:01.010  payer(a1)  spawned",
      "#3  00:00:01.020  payer(a1)  tool.call buy  allow  rule=cheap  ok 1.3ms",
      "#6  00:00:01.040  payer(a1)  fs.read /mem/prices.txt  allow  rule=read  ok",
      "#7  00:00:01.050  thief(a2)  spawned",
      "#8  00:00:01.060  thief(a2)  tool.call buy  deny  rule=shop:5  EPERM",
      "#9  00:00:01.070  thief(a2)  tool.call buy  allow  rule=cheap  no completion  (args over the size cap: digest only)",
      "#11  00:00:01.080  thief(a2)  signal SIGKILL  from policy",
      '#12  00:00:01.090  thief(a2)  killed  {"signal":"SIGKILL"}',
      '#13  00:00:01.100  payer(a1)  log "bought a pen"',
      '#14  00:00:01.110  payer(a1)  exited  {"status":"exited"}',
      "#16  00:00:01.120  close",
    ]);
    expect(show(records, { seals: true }).filter((l) => l.includes("  seal  "))).toHaveLength(5);
    expect(show(records, { seals: true })[1]).toMatch(/^#1  00:00:01.000  seal  through #0  root [0-9a-f]{12}$/);
  });

  it("filters by agent id or name", async () => {
    const { records } = readLog(await writeSampleLog());
    const byId = show(records, { agent: "a2" });
    expect(byId.map((l) => l.split("  ")[0])).toEqual(["#7", "#8", "#9", "#11", "#12"]);
    expect(show(records, { agent: "thief" })).toEqual(byId);
  });

  it("shows operator reviews and agent log lines", async () => {
    const rec = await FlightRecorder.open({ memory: true, now: () => 0 });
    await rec.append({ kind: "review", agent: PAYER, syscall: "tool.call", target: "buy", verdict: "rejected", of: 0 });
    await rec.append({ kind: "log", agent: PAYER, text: "done\n" });
    expect(show(rec.records()).slice(1)).toEqual([
      "#1  00:00:00.000  payer(a1)  review tool.call buy  rejected  of #0",
      '#2  00:00:00.000  payer(a1)  log "done\\n"',
    ]);
  });

  it("keeps a completion whose syscall is not in view on its own line", async () => {
    const { records } = readLog(await writeSampleLog());
    const orphan = records.filter((r) => r.seq !== 3);
    expect(show(orphan)).toContain("#5  00:00:01.030  completes #3  ok 1.3ms");
    expect(showEntries(records).find((e) => e.record.seq === 3)?.completion).toMatchObject({ ok: true });
  });

  it("prints what an agent chose as one escaped column: no forged line, no terminal escape", async () => {
    const rec = await FlightRecorder.open({ memory: true, now: () => 0 });
    const agent = { ...PAYER, name: "pay\u001b[31mer" };
    await rec.syscall({ agent, syscall: "tool.call", target: "x\n#99  00:00:00.000  payer(a1)  tool.call transfer  allow\u202e", args: {}, decision: { effect: "deny", rule: null, audit: [] }, outcome: { ok: false, errno: "EPERM" } });
    const lines = show(rec.records());
    expect(lines).toHaveLength(2);
    expect(lines[1]).toBe('#1  00:00:00.000  "pay\\u001b[31mer"(a1)  tool.call "x\\n#99  00:00:00.000  payer(a1)  tool.call transfer  allow\\u202e"  deny  rule=-  EPERM');
    expect(lines.join("\n")).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u202e]/);
  });
});
