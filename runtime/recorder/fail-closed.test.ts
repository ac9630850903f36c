import { mkdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { FlightRecorder } from "./recorder.js";
import { RecorderError } from "./recorder-error.js";
import { runAppendChild } from "./testdata/run-child.js";
import { tempLog } from "./testdata/sample-log.js";
import { readLog } from "./verify.js";

const failure = (p: Promise<unknown>) => p.then(() => null, (e: unknown) => e as RecorderError);

describe("a recorder that cannot write fails closed", () => {
  it("refuses to open when its first record cannot be written (/dev/full: ENOSPC)", async () => {
    const e = await failure(FlightRecorder.open({ path: "/dev/full" }));
    expect(e).toBeInstanceOf(RecorderError);
    expect(e).toMatchObject({ code: "EIO", errno: "ENOSPC" });
  });

  it("refuses to open in a directory that is gone", async () => {
    const dir = dirname(tempLog());
    rmSync(dir, { recursive: true });
    const e = await failure(FlightRecorder.open({ path: join(dir, "flight.log") }));
    expect(e).toMatchObject({ code: "EIO", errno: "ENOENT" });
    mkdirSync(dir);
  });

  it("rejects the pending appends on a failed write, and every later one; acknowledged records stay in the file", async () => {
    const path = tempLog();
    const run = runAppendChild(path, { fileSizeLimitKb: 64 });
    const { code } = await run.exited;
    expect(code).toBe(0);
    const acked = run.lines.filter((l) => l.startsWith("ack ")).map((l) => Number(l.slice(4)));
    const failed = run.lines.filter((l) => l.startsWith("fail "));
    expect(acked.length).toBeGreaterThan(10);
    expect(failed.length).toBeGreaterThan(0);
    // The whole batch in flight failed with the write, and every one says why.
    expect(new Set(failed)).toEqual(new Set(["fail EIO EFBIG"]));
    expect(run.lines).toContain("after EIO");
    const { result, records } = readLog(path);
    const inFile = new Set(records.map((r) => r.seq));
    for (const seq of acked) expect(inFile.has(seq)).toBe(true);
    // At most a partial line past the last acknowledged record, never damage before it.
    expect(result.ok || result.firstBad?.reason === "truncated").toBe(true);
    expect(result.closed).toBe(false);
  });
});
