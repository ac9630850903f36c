import { readFileSync, truncateSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { KEY, KEY_PEM, tempLog, writeSampleLog } from "../../runtime/recorder/testdata/sample-log.js";
import type { Io } from "./io.js";
import { main } from "./main.js";

async function run(argv: string[], cwd: string): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [], err: string[] = [];
  const io: Io = { out: (s) => out.push(s), err: (s) => err.push(s), color: false, cwd };
  return { code: await main(argv, io), out, err };
}

/** A sample log (see runtime/recorder/testdata) in a fresh directory; returns that directory. */
async function logDir(opts: Parameters<typeof writeSampleLog>[1] = {}): Promise<string> {
  return dirname(await writeSampleLog(tempLog(), opts));
}

const STRICTER = `policy shop {
  tool buy({ item: string, price: number })
  // half the old limit
  @id("cheap") allow tool buy when args.price <= 50
  deny tool buy when args.item == "gun"
}
`;

describe("acpc audit verify", () => {
  it("exits 0 on an intact log and says it closed cleanly", async () => {
    const d = await logDir();
    const r = await run(["audit", "verify", "flight.log"], d);
    expect(r.code).toBe(0);
    expect(r.out).toEqual(["flight.log: ok: 18 record(s), sealed through #16 in 5 seal(s); closed cleanly"]);
  });

  it("exits 1 on an edited record and names its batch, in text and JSON", async () => {
    const d = await logDir();
    const path = join(d, "flight.log");
    writeFileSync(path, readFileSync(path, "utf8").replace('"price":5', '"price":4'));
    const r = await run(["audit", "verify", "flight.log"], d);
    expect(r.code).toBe(1);
    expect(r.out[0]).toContain("edited at line 11 (#4): #4..#9 are not what seal #10 vouches for");
    const j = await run(["audit", "verify", "flight.log", "--json"], d);
    expect(JSON.parse(j.out[0]!)).toMatchObject({ file: "flight.log", ok: false, firstBad: { seq: 4, line: 11, reason: "edited" } });
  });

  it("exits 1 on a truncated tail and on a cut at a record boundary; --live accepts a log still being written", async () => {
    const d = await logDir();
    const path = join(d, "flight.log");
    const text = readFileSync(path, "utf8");
    truncateSync(path, text.length - 10);
    expect((await run(["audit", "verify", "flight.log"], d)).code).toBe(1);
    writeFileSync(path, text.split("\n").slice(0, 11).join("\n") + "\n");
    const cut = await run(["audit", "verify", "flight.log"], d);
    expect(cut.code).toBe(1);
    expect(cut.out[0]).toContain("not-closed");
    const live = await run(["audit", "verify", "flight.log", "--live"], d);
    expect(live.code).toBe(0);
    expect(live.out[0]).toContain("live: 0 record(s) not yet sealed");
    writeFileSync(path, text.split("\n").slice(0, 9).join("\n") + "\n");
    expect((await run(["audit", "verify", "flight.log"], d)).out[0]).toContain("unsealed at line 10 (#5)");
    expect((await run(["audit", "verify", "flight.log", "--live"], d)).code).toBe(0);
  });

  it("checks signatures with --trust, and fails under another key", async () => {
    const d = await logDir({ signKey: KEY });
    writeFileSync(join(d, "good.pub"), KEY_PEM.publicPem);
    expect((await run(["keygen", "-o", "other"], d)).code).toBe(0);
    expect((await run(["keygen", "-o", "other"], d)).code).toBe(2);
    const good = await run(["audit", "verify", "flight.log", "--trust", "good.pub"], d);
    expect(good.code).toBe(0);
    expect(good.out[0]).toContain("signatures verified");
    expect((await run(["audit", "verify", "flight.log"], d)).out[0]).toContain("signatures not checked");
    const bad = await run(["audit", "verify", "flight.log", "--trust", "other.pub", "--json"], d);
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.out[0]!).firstBad.reason).toBe("bad-signature");
    // Several keys may be trusted at once.
    expect((await run(["audit", "verify", "flight.log", "--trust", "other.pub", "--trust", "good.pub"], d)).code).toBe(0);
  });

  it("proves a record and the log's growth: prove, then verify --proof against a kept head, without the log", async () => {
    const d = await logDir({ signKey: KEY });
    writeFileSync(join(d, "good.pub"), KEY_PEM.publicPem);
    const head = JSON.parse((await run(["audit", "verify", "flight.log", "--json"], d)).out[0]!).head;
    writeFileSync(join(d, "head.json"), JSON.stringify(head));
    expect((await run(["audit", "prove", "flight.log", "6", "-o", "p6.json"], d)).code).toBe(0);
    const ok = await run(["audit", "verify", "--proof", "p6.json", "--head", "head.json"], d);
    expect(ok.code).toBe(0);
    expect(ok.out[0]).toContain("#6 is record 6 of the 17");
    expect((await run(["audit", "verify", "--proof", "p6.json", "--trust", "good.pub"], d)).code).toBe(0);
    expect((await run(["audit", "verify", "--proof", "p6.json", "--head", `${head.size}:${"0".repeat(64)}`], d)).code).toBe(1);
    expect((await run(["audit", "verify", "--proof", "p6.json"], d)).code).toBe(2);
    const proof = JSON.parse(readFileSync(join(d, "p6.json"), "utf8"));
    writeFileSync(join(d, "p6.json"), JSON.stringify({ ...proof, record: proof.record.replace("read", "raed") }));
    expect((await run(["audit", "verify", "--proof", "p6.json", "--head", "head.json"], d)).code).toBe(1);
    // The log grows in a second session; the kept head is still its prefix, by proof and by the log.
    const { FlightRecorder } = await import("../../runtime/recorder/recorder.js");
    const rec = await FlightRecorder.open({ path: join(d, "flight.log"), signKey: KEY });
    await rec.append({ kind: "log", agent: { id: "a1", name: "payer", tenant: "acme" }, text: "later" });
    await rec.close();
    expect((await run(["audit", "verify", "flight.log", "--consistency", "head.json"], d)).out[1]).toContain("consistency: ok: the log only grew");
    const c = await run(["audit", "prove", "flight.log", "--from", String(head.size)], d);
    writeFileSync(join(d, "c.json"), c.out[0]!);
    expect((await run(["audit", "verify", "--proof", "c.json", "--head", "head.json"], d)).code).toBe(0);
    // A log rewritten under the kept head: --consistency fails.
    const path = join(d, "flight.log");
    const older = await logDir();
    writeFileSync(path, readFileSync(join(older, "flight.log")));
    const rewritten = await run(["audit", "verify", "flight.log", "--consistency", "head.json"], d);
    expect(rewritten.code).toBe(1);
  });

  it("verifies a segment that continues after released records with --after CHECKPOINT, and only then", async () => {
    const d = dirname(tempLog());
    const { FlightRecorder } = await import("../../runtime/recorder/recorder.js");
    const rec = await FlightRecorder.open({ memory: true, sealer: "inline", sealEvery: 5 });
    for (let i = 0; i < 40; i++) rec.syscallNow({ agent: { id: "a", name: "a", tenant: "" }, syscall: "fs.read", target: `/m/${i}`, decision: { effect: "allow", rule: null, audit: [] }, outcome: { ok: true, answer: "1" } });
    await rec.close();
    const cp = rec.release(20)!;
    writeFileSync(join(d, "segment.log"), rec.lines().map((l) => l + "\n").join(""));
    writeFileSync(join(d, "cp.json"), JSON.stringify(cp));
    expect((await run(["audit", "verify", "segment.log"], d)).code).toBe(1);
    const r = await run(["audit", "verify", "segment.log", "--after", "cp.json", "--live"], d);
    expect(r.code).toBe(0);
    writeFileSync(join(d, "cp.json"), JSON.stringify({ ...cp, hash: "0".repeat(64) }));
    expect((await run(["audit", "verify", "segment.log", "--after", "cp.json", "--live"], d)).code).toBe(1);
    expect((await run(["audit", "verify", "segment.log", "--after", "3"], d)).code).toBe(2);
  });

  it("still verifies logs of the first format, with their HMAC key", async () => {
    const d = dirname(tempLog());
    const v1 = join(dirname(fileURLToPath(import.meta.url)), "../../runtime/recorder/testdata/v1-sealed.log");
    writeFileSync(join(d, "k1.key"), JSON.stringify({ id: "k1", secret: "07".repeat(32) }));
    const r = await run(["audit", "verify", v1, "--key-file", "k1.key"], d);
    expect(r.code).toBe(0);
    expect(r.out[0]).toContain("(acp-flight/1)");
  });

  it("usage errors exit 2", async () => {
    const d = await logDir();
    writeFileSync(join(d, "junk.key"), "{}");
    writeFileSync(join(d, "junk.pub"), "not a key");
    for (const argv of [["audit"], ["audit", "frob", "flight.log"], ["audit", "verify"], ["audit", "verify", "missing.log"],
      ["audit", "verify", "flight.log", "--bogus"], ["audit", "verify", "flight.log", "--key-file", "junk.key"], ["audit", "verify", "flight.log", "--trust", "junk.pub"],
      ["audit", "replay", "flight.log"], ["audit", "prove", "flight.log"], ["audit", "prove", "flight.log", "x"], ["audit", "prove", "flight.log", "1", "--from", "2"],
      ["audit", "verify", "flight.log", "--consistency", "12:zz"], ["keygen"]]) {
      expect((await run(argv, d)).code, argv.join(" ")).toBe(2);
    }
    expect((await run(["audit", "prove", "flight.log", "99"], d)).code).toBe(1);
  });
});

describe("acpc audit show", () => {
  it("prints the log, filters by agent, and emits joined entries as JSON", async () => {
    const d = await logDir();
    const all = await run(["audit", "show", "flight.log"], d);
    expect(all.code).toBe(0);
    expect(all.out).toContain("#8  00:00:01.060  thief(a2)  tool.call buy  deny  rule=shop:5  EPERM");
    const mine = await run(["audit", "show", "flight.log", "--agent", "a1"], d);
    expect(mine.out.map((l) => l.split("  ")[0])).toEqual(["#2", "#3", "#6", "#13", "#14"]);
    const j = JSON.parse((await run(["audit", "show", "flight.log", "--agent", "payer", "--json"], d)).out[0]!);
    expect(j.verify.ok).toBe(true);
    expect(j.entries[1]).toMatchObject({ record: { seq: 3, kind: "syscall" }, completion: { of: 3, ok: true } });
    const seals = await run(["audit", "show", "flight.log", "--seals"], d);
    expect(seals.out.filter((l) => l.includes("  seal  "))).toHaveLength(5);
  });

  it("shows what verifies of a damaged log and exits 1 with the verdict on stderr", async () => {
    const d = await logDir();
    const path = join(d, "flight.log");
    truncateSync(path, readFileSync(path).length - 10);
    const r = await run(["audit", "show", "flight.log"], d);
    expect(r.code).toBe(1);
    expect(r.out.at(-1)).toMatch(/^#16 /);
    expect(r.err[0]).toContain("truncated at line 18 (#17)");
  });
});

describe("acpc audit replay", () => {
  it("lists the decisions another policy would change, from .acp and from a compiled module", async () => {
    const d = await logDir();
    writeFileSync(join(d, "stricter.acp"), STRICTER);
    const r = await run(["audit", "replay", "flight.log", "--policy", "stricter.acp"], d);
    expect(r.code).toBe(0);
    expect(r.out).toEqual([
      "#6  payer(a1)  fs.read /mem/prices.txt  allow rule=read -> kill rule=-",
      "     1 × fs.read  allow rule=read -> kill rule=-  (first #6)",
      "3 syscall(s) replayed under policy shop: 1 would change, 1 not replayable (args or target over the size cap: #9)",
    ]);
    expect((await run(["compile", "stricter.acp", "-o", "out"], d)).code).toBe(0);
    const j = await run(["audit", "replay", "flight.log", "--policy", "out/shop.wasm", "--json"], d);
    expect(j.code).toBe(0);
    expect(JSON.parse(j.out[0]!)).toEqual({
      file: "flight.log", policy: "shop", verified: true, replayed: 3, notReplayable: [9],
      changed: [{ seq: 6, agent: "payer(a1)", syscall: "fs.read", target: "/mem/prices.txt", from: { effect: "allow", rule: "read" }, to: { effect: "kill", rule: null } }],
      byRule: [{ syscall: "fs.read", from: { effect: "allow", rule: "read" }, to: { effect: "kill", rule: null }, count: 1, first: 6 }],
    });
  });

  it("counts the policy's limits as the kernel did: the same policy changes nothing, a looser limit shows", async () => {
    const d = dirname(tempLog());
    const limited = (n: number) => `policy lim {\n  on violation deny\n  allow fs.write "/mem/working/**"\n  limit fs.write "/mem/working/**" ${n} per 1m\n}\n`;
    writeFileSync(join(d, "two.acp"), limited(2));
    writeFileSync(join(d, "three.acp"), limited(3));
    writeFileSync(join(d, "agent.js"), `export default async function main() {
      const out = [];
      for (let i = 0; i < 4; i++) out.push(await sys.fs.write("/mem/working/f" + i, "x").then(() => "ok", (e) => e.code));
      return out;
    }`);
    const recorded = await run(["run", "agent.js", "--policy", "two.acp", "--record", "flight.log", "--json"], d);
    expect(JSON.parse(recorded.out.at(-1)!).result).toEqual(["ok", "ok", "EPERM", "EPERM"]);
    const same = await run(["audit", "replay", "flight.log", "--policy", "two.acp"], d);
    expect(same.out.at(-1)).toBe("4 syscall(s) replayed under policy lim: 0 would change");
    const looser = await run(["audit", "replay", "flight.log", "--policy", "three.acp"], d);
    expect(looser.out).toEqual([expect.stringMatching(/^#\d+  .*fs\.write \/mem\/working\/f2  deny rule=- -> allow rule=lim:3$/), expect.stringMatching(/^ +1 × fs\.write  deny rule=- -> allow rule=lim:3  \(first #\d+\)$/), "4 syscall(s) replayed under policy lim: 1 would change"]);
  });

  it("acpc run --shadow records what a candidate policy would decide otherwise, and audit shadow reads it in replay's format", async () => {
    const d = dirname(tempLog());
    const limited = (n: number) => `policy lim {\n  on violation deny\n  allow fs.write "/mem/working/**"\n  limit fs.write "/mem/working/**" ${n} per 1m\n}\n`;
    const capped = `policy lim {\n  on violation deny\n  @id("small") allow fs.write "/mem/working/f0"\n  @id("small") allow fs.write "/mem/working/f1"\n}\n`;
    writeFileSync(join(d, "two.acp"), limited(2));
    writeFileSync(join(d, "candidate.acp"), capped.replace('@id("small") allow fs.write "/mem/working/f1"', 'allow fs.write "/mem/working/f1"'));
    writeFileSync(join(d, "agent.js"), `export default async function main() {
      const out = [];
      for (let i = 0; i < 3; i++) out.push(await sys.fs.write("/mem/working/f" + i, "x").then(() => "ok", (e) => e.code));
      return out;
    }`);
    const ran = await run(["run", "agent.js", "--policy", "two.acp", "--shadow", "candidate.acp", "--record", "shadow.log"], d);
    expect(ran.code).toBe(0);
    // The enforcing policy decided: two writes allowed by its limit, the third refused.
    expect(ran.out.at(-1)).toBe(JSON.stringify(["ok", "ok", "EPERM"]));
    expect(ran.err.some((l) => /^shadow policy lim: decided 2 syscall\(s\) otherwise \(acpc audit shadow shadow\.log\)$/.test(l))).toBe(true);
    const shadow = await run(["audit", "shadow", "shadow.log"], d);
    expect(shadow.code).toBe(0);
    expect(shadow.out.at(-1)).toBe("3 syscall(s) decided: the shadow policy decided 2 otherwise");
    const j = JSON.parse((await run(["audit", "shadow", "shadow.log", "--json"], d)).out[0]!);
    expect(j).toMatchObject({ file: "shadow.log", verified: true, decided: 3 });
    expect(j.changed.map((c: { target: string; from: unknown; to: unknown }) => [c.target, c.from, c.to])).toEqual([
      ["/mem/working/f0", { effect: "allow", rule: "lim:3" }, { effect: "allow", rule: "small" }],
      ["/mem/working/f1", { effect: "allow", rule: "lim:3" }, { effect: "allow", rule: "lim:4" }],
    ]);
    expect(j.byRule).toHaveLength(2);
    expect((await run(["audit", "verify", "shadow.log"], d)).code).toBe(0);
  });

  it("exits 1 when the log does not verify, 2 when the policy does not compile", async () => {
    const d = await logDir();
    writeFileSync(join(d, "stricter.acp"), STRICTER);
    writeFileSync(join(d, "broken.acp"), "policy broken {\n  allow tool nope\n}\n");
    expect((await run(["audit", "replay", "flight.log", "--policy", "broken.acp"], d)).code).toBe(2);
    const path = join(d, "flight.log");
    const lines = readFileSync(path, "utf8").split("\n");
    [lines[5], lines[6]] = [lines[6]!, lines[5]!];
    writeFileSync(path, lines.join("\n"));
    const r = await run(["audit", "replay", "flight.log", "--policy", "stricter.acp"], d);
    expect(r.code).toBe(1);
    expect(r.err[0]).toContain("deleted at line 6 (#5)");
  });
});

describe("acpc audit export", () => {
  it("writes the records the log vouches for as JSON lines and as OTLP/JSON logs", async () => {
    const d = await logDir();
    const records = (await run(["audit", "show", "flight.log", "--json"], d));
    expect(records.code).toBe(0);
    const jsonl = await run(["audit", "export", "flight.log", "--format", "jsonl"], d);
    expect(jsonl.code).toBe(0);
    const lines = jsonl.out.join("\n").split("\n").map((l) => JSON.parse(l) as { seq: number; kind: string });
    expect(lines.map((r) => r.seq)).toEqual(lines.map((_, i) => i));
    expect(lines.at(-1)!.kind).toBe("seal");
    expect((await run(["audit", "export", "flight.log", "--format", "otlp-json", "-o", "otlp.json"], d)).code).toBe(0);
    const otlp = JSON.parse(readFileSync(join(d, "otlp.json"), "utf8"));
    const logs = otlp.resourceLogs[0].scopeLogs[0].logRecords as { timeUnixNano: string; eventName: string; body: { stringValue: string }; attributes: { key: string; value: Record<string, unknown> }[] }[];
    expect(logs).toHaveLength(lines.length);
    for (const [i, l] of logs.entries()) {
      expect(JSON.parse(l.body.stringValue)).toEqual(lines[i]);
      expect(l.eventName).toBe(`acp.${lines[i]!.kind}`);
      expect(BigInt(l.timeUnixNano)).toBe(BigInt((lines[i] as unknown as { ts: number }).ts) * 1_000_000n);
    }
    const denial = logs.find((l) => l.attributes.some((a) => a.key === "acp.effect" && a.value.stringValue === "deny"));
    expect(denial).toMatchObject({ severityText: "WARN", eventName: "acp.syscall" });
    // An edited log: what comes before the first bad record, and exit 1.
    const path = join(d, "flight.log");
    writeFileSync(path, readFileSync(path, "utf8").replace('"price":5', '"price":4'));
    const bad = await run(["audit", "export", "flight.log", "--format", "jsonl"], d);
    expect(bad.code).toBe(1);
    expect(bad.out.join("\n").split("\n").length).toBeLessThan(lines.length);
    expect(bad.err[0]).toContain("edited");
  });
});

