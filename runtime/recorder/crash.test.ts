// kill -9 of a real child process writing a file log, mid-stream, many times over one file: every
// acknowledged record is in the file and sealed; verify finds at most an unsealed tail (or a
// partial line), and the next session keeps that tail, seals it and closes.
import { describe, expect, it } from "vitest";
import { FlightRecorder } from "./recorder.js";
import { runAppendChild } from "./testdata/run-child.js";
import { tempLog } from "./testdata/sample-log.js";
import { readLog, verify } from "./verify.js";

const until = async (cond: () => boolean, ms = 30_000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("timed out waiting for the child");
    await new Promise((r) => setTimeout(r, 2));
  }
};

describe("a crash never loses an acknowledged record", () => {
  for (const mode of ["group", "always"] as const) {
    it(`SIGKILL mid-stream, ${mode === "group" ? 6 : 4} times over one file (sync ${mode}): every acknowledged seq is in the file and sealed`, async () => {
      const path = tempLog();
      const rounds = mode === "group" ? 6 : 4;
      let sessions = 0;
      for (let round = 0; round < rounds; round++) {
        const run = runAppendChild(path, { mode });
        // Each round is killed at a different depth into its stream.
        const wanted = (mode === "group" ? 400 : 40) * (1 + (round % 3));
        await until(() => run.lines.length >= wanted);
        run.child.kill("SIGKILL");
        expect((await run.exited).signal).toBe("SIGKILL");
        sessions++;

        const acked = run.lines.filter((l) => l.startsWith("ack ")).map((l) => Number(l.slice(4)));
        expect(acked.length).toBeGreaterThan(0);
        const { result, records } = readLog(path, { live: true });
        expect(result.ok, JSON.stringify(result.firstBad)).toBe(true);
        const inFile = new Set(records.map((r) => r.seq));
        for (const seq of acked) {
          expect(inFile.has(seq)).toBe(true);
          expect(seq).toBeLessThanOrEqual(result.sealedThrough!);
        }
        // Strictly, the log of a crashed recorder is not a finished one.
        const strict = verify(path);
        expect(strict.ok).toBe(false);
        expect(["unsealed", "not-closed", "truncated"]).toContain(strict.firstBad!.reason);
        expect(result.sessions).toBe(sessions);
      }
      // The next session keeps the last crash's tail, seals it with its own first batch, and closes.
      const rec = await FlightRecorder.open({ path });
      await rec.close();
      expect(verify(path)).toMatchObject({ ok: true, closed: true, sessions: rounds + 1, recovered: rounds });
    });
  }
});
