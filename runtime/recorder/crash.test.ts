import { describe, expect, it } from "vitest";
import { FlightRecorder } from "./recorder.js";
import { runAppendChild } from "./testdata/run-child.js";
import { tempLog } from "./testdata/sample-log.js";
import { readLog, verify } from "./verify.js";

const until = async (cond: () => boolean, ms = 30_000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("timed out waiting for the child");
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe("a crash never loses an acknowledged record", () => {
  for (const mode of ["group", "always"] as const) {
    it(`SIGKILL mid-stream (sync ${mode}): every acknowledged seq is in the file, the chain verifies up to at most a partial last line`, async () => {
      const path = tempLog();
      const run = runAppendChild(path, { mode });
      await until(() => run.lines.length >= (mode === "group" ? 5000 : 300));
      run.child.kill("SIGKILL");
      expect((await run.exited).signal).toBe("SIGKILL");

      const acked = run.lines.filter((l) => l.startsWith("ack ")).map((l) => Number(l.slice(4)));
      const { result, records } = readLog(path);
      const inFile = new Set(records.map((r) => r.seq));
      expect(acked.length).toBeGreaterThan(0);
      for (const seq of acked) expect(inFile.has(seq)).toBe(true);
      expect(result.closed).toBe(false);
      if (!result.ok) expect(result.firstBad).toMatchObject({ reason: "truncated", line: records.length + 1 });

      // The next session cuts any partial line and continues the chain.
      const rec = await FlightRecorder.open({ path });
      expect(rec.head()?.seq).toBe(records.at(-1)!.seq + 1);
      await rec.close();
      expect(verify(path)).toMatchObject({ ok: true, closed: true, records: records.length + 2 });
    });
  }
});
