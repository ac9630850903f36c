import { readFileSync, truncateSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { KEY, tempLog, writeSampleLog } from "../../runtime/recorder/testdata/sample-log.js";
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
    expect(r.out).toEqual(["flight.log: ok: 14 record(s); closed cleanly"]);
  });

  it("exits 1 on an edited record and names it, in text and JSON", async () => {
    const d = await logDir();
    const path = join(d, "flight.log");
    writeFileSync(path, readFileSync(path, "utf8").replace('"price":90', '"price":10'));
    const r = await run(["audit", "verify", "flight.log"], d);
    expect(r.code).toBe(1);
    expect(r.out[0]).toContain("edited at line 5 (#4)");
    const j = await run(["audit", "verify", "flight.log", "--json"], d);
    expect(JSON.parse(j.out[0]!)).toMatchObject({ file: "flight.log", ok: false, records: 4, firstBad: { seq: 4, line: 5, reason: "edited" } });
  });

  it("exits 1 on a truncated tail; a cut at a record boundary is ok but flagged as not closed", async () => {
    const d = await logDir();
    const path = join(d, "flight.log");
    const text = readFileSync(path, "utf8");
    truncateSync(path, text.length - 10);
    expect((await run(["audit", "verify", "flight.log"], d)).code).toBe(1);
    writeFileSync(path, text.split("\n").slice(0, 5).join("\n") + "\n");
    const r = await run(["audit", "verify", "flight.log"], d);
    expect(r.code).toBe(0);
    expect(r.out[0]).toContain("NOT closed");
  });

  it("checks seals with --key-file and fails under the wrong key", async () => {
    const d = await logDir({ key: KEY, sealEvery: 4 });
    const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
    writeFileSync(join(d, "good.key"), JSON.stringify({ id: "k1", secret: hex(KEY.secret) }));
    writeFileSync(join(d, "bad.key"), JSON.stringify({ id: "k1", secret: "00".repeat(32) }));
    const good = await run(["audit", "verify", "flight.log", "--key-file", "good.key"], d);
    expect(good.code).toBe(0);
    expect(good.out[0]).toContain("sealed through #15");
    const bad = await run(["audit", "verify", "flight.log", "--key-file", "bad.key", "--json"], d);
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.out[0]!).firstBad.reason).toBe("bad-seal");
  });

  it("verifies a segment that continues after released records with --after SEQ:HASH, and only then", async () => {
    const d = await logDir();
    const path = join(d, "flight.log");
    const lines = readFileSync(path, "utf8").split("\n").filter(Boolean);
    const cut = JSON.parse(lines[3]!) as { seq: number; hash: string };
    writeFileSync(join(d, "segment.log"), lines.slice(4).join("\n") + "\n");
    expect((await run(["audit", "verify", "segment.log"], d)).code).toBe(1);
    const r = await run(["audit", "verify", "segment.log", "--after", `${cut.seq}:${cut.hash}`], d);
    expect(r.code).toBe(0);
    expect(r.out[0]).toContain(`ok: ${lines.length - 4} record(s)`);
    const wrong = JSON.parse(lines[2]!) as { hash: string };
    expect((await run(["audit", "verify", "segment.log", "--after", `${cut.seq}:${wrong.hash}`], d)).code).toBe(1);
    expect((await run(["audit", "verify", "segment.log", "--after", "3"], d)).code).toBe(2);
  });

  it("usage errors exit 2", async () => {
    const d = await logDir();
    writeFileSync(join(d, "junk.key"), "{}");
    for (const argv of [["audit"], ["audit", "frob", "flight.log"], ["audit", "verify"], ["audit", "verify", "missing.log"],
      ["audit", "verify", "flight.log", "--bogus"], ["audit", "verify", "flight.log", "--key-file", "junk.key"], ["audit", "replay", "flight.log"]]) {
      expect((await run(argv, d)).code, argv.join(" ")).toBe(2);
    }
  });
});

describe("acpc audit show", () => {
  it("prints the log, filters by agent, and emits joined entries as JSON", async () => {
    const d = await logDir();
    const all = await run(["audit", "show", "flight.log"], d);
    expect(all.code).toBe(0);
    expect(all.out).toContain("#7  00:00:01.070  thief(a2)  tool.call buy  deny  rule=shop:5  EPERM 0.1ms");
    const mine = await run(["audit", "show", "flight.log", "--agent", "a1"], d);
    expect(mine.out.map((l) => l.split("  ")[0])).toEqual(["#1", "#2", "#4", "#12"]);
    const j = JSON.parse((await run(["audit", "show", "flight.log", "--agent", "payer", "--json"], d)).out[0]!);
    expect(j.verify.ok).toBe(true);
    expect(j.entries[1]).toMatchObject({ record: { seq: 2, kind: "syscall" }, completion: { of: 2, ok: true } });
  });

  it("shows what verifies of a damaged log and exits 1 with the verdict on stderr", async () => {
    const d = await logDir();
    const path = join(d, "flight.log");
    truncateSync(path, readFileSync(path).length - 10);
    const r = await run(["audit", "show", "flight.log"], d);
    expect(r.code).toBe(1);
    expect(r.out.at(-1)).toMatch(/^#12 /);
    expect(r.err[0]).toContain("truncated at line 14 (#13)");
  });
});

describe("acpc audit replay", () => {
  it("lists the decisions another policy would change, from .acp and from a compiled module", async () => {
    const d = await logDir();
    writeFileSync(join(d, "stricter.acp"), STRICTER);
    const r = await run(["audit", "replay", "flight.log", "--policy", "stricter.acp"], d);
    expect(r.code).toBe(0);
    expect(r.out).toEqual([
      "#4  payer(a1)  tool.call buy  allow rule=cheap -> kill rule=-",
      "3 syscall(s) replayed under policy shop: 1 would change, 1 not replayable (args over the size cap: #9)",
    ]);
    expect((await run(["compile", "stricter.acp", "-o", "out"], d)).code).toBe(0);
    const j = await run(["audit", "replay", "flight.log", "--policy", "out/shop.wasm", "--json"], d);
    expect(j.code).toBe(0);
    expect(JSON.parse(j.out[0]!)).toEqual({
      file: "flight.log", policy: "shop", verified: true, replayed: 3, notReplayable: [9],
      changed: [{ seq: 4, agent: "payer(a1)", syscall: "tool.call", target: "buy", from: { effect: "allow", rule: "cheap" }, to: { effect: "kill", rule: null } }],
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
    expect(looser.out).toEqual([expect.stringMatching(/^#\d+  .*fs\.write \/mem\/working\/f2  deny rule=- -> allow rule=lim:3$/), "4 syscall(s) replayed under policy lim: 1 would change"]);
  });

  it("exits 1 when the log does not verify, 2 when the policy does not compile", async () => {
    const d = await logDir();
    writeFileSync(join(d, "stricter.acp"), STRICTER);
    writeFileSync(join(d, "broken.acp"), "policy broken {\n  allow tool nope\n}\n");
    expect((await run(["audit", "replay", "flight.log", "--policy", "broken.acp"], d)).code).toBe(2);
    const path = join(d, "flight.log");
    const lines = readFileSync(path, "utf8").split("\n");
    [lines[3], lines[4]] = [lines[4]!, lines[3]!];
    writeFileSync(path, lines.join("\n"));
    const r = await run(["audit", "replay", "flight.log", "--policy", "stricter.acp"], d);
    expect(r.code).toBe(1);
    expect(r.err[0]).toContain("reordered at line 4 (#3)");
  });
});
