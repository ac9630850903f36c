// The encoder checks requests itself (one pass, no normal form in between): it must accept exactly
// what prepareRequest accepts and decide like the interpreter, hostile shapes included.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compile } from "../../compiler/compile.js";
import { interpret } from "../../compiler/interpret.js";
import { loadPolicy } from "../../runtime/policy/load.js";
import type { Decision } from "./types.js";
import { isCanonicalPath } from "./canonical-path.js";
import { isWellFormed } from "../utf8.js";

const SRC = `policy enc {
  on violation deny
  type Color = "red" | "blue"
  type Item = { name: string, color?: Color, meta?: { n: number, ok: bool } }
  tool put({ items: Item[] max 3, note?: string, flag: bool })
  pipe q: a -> b carries { x: number, tags: string[] max 2 } capacity 4
  @id("put") allow tool put when args.flag and args.items.length <= 2 and agent.labels["team"] == "t1"
  @id("meta") deny tool put when any(i in args.items: i.meta.n > 5 or i.color == "red")
  @id("send") allow pipe.send q when args.x < 10 and not ("bad" in args.tags)
  @id("read") allow fs.read "/data/**" when agent.name.startsWith("p")
  @id("write") allow fs.write "/data/**" when args.size < 100
  @id("net") allow net.fetch "https://api.example/**" when args.method == "POST" and args.size < 10
}`;

const scalar = fc.oneof(fc.string({ maxLength: 4 }), fc.constantFrom("red", "blue", "", "é", "t1", "bad", "p\ud800", "\udc00", "p😀"), fc.integer({ min: -3, max: 12 }), fc.boolean(), fc.constant(null), fc.constant(Infinity));
const value = fc.letrec((tie) => ({
  v: fc.oneof({ depthSize: "small" }, scalar, fc.array(tie("v"), { maxLength: 4 }), fc.sparseArray(tie("v"), { maxLength: 4 }), fc.dictionary(fc.constantFrom("name", "color", "meta", "n", "ok", "x", "tags", "items", "note", "flag", "extra"), tie("v"), { maxKeys: 4 })),
})).v;
const item = fc.record({ name: fc.oneof(fc.string({ maxLength: 3 }), value), color: fc.constantFrom("red", "blue", "green"), meta: fc.oneof(fc.record({ n: fc.integer({ min: 0, max: 9 }), ok: fc.boolean() }), value) }, { requiredKeys: ["name"] });
const agent = fc.oneof(fc.constant(undefined), fc.constant(null), fc.constant([]), fc.record({
  id: fc.oneof(fc.string({ maxLength: 3 }), fc.constant(7), fc.constant("\ud83d")), name: fc.constantFrom("p1", "q", "pé", "", "p\udfff"),
  labels: fc.oneof(fc.constant(undefined), fc.dictionary(fc.constantFrom("team", "x", "\ud800"), fc.oneof(fc.constantFrom("t1", "t2"), value), { maxKeys: 2 }), value),
}, { requiredKeys: [] }));
const request = fc.oneof(
  fc.record({ agent, syscall: fc.constant("tool.call"), target: fc.constantFrom("put", "nope"), args: fc.oneof(fc.record({ items: fc.array(item, { maxLength: 4 }), note: fc.oneof(fc.string(), value), flag: fc.oneof(fc.boolean(), value) }, { requiredKeys: ["items"] }), value) }),
  fc.record({ agent, syscall: fc.constantFrom("pipe.send", "pipe.recv"), target: fc.constantFrom("q", "r"), args: fc.oneof(fc.record({ x: fc.integer({ min: 0, max: 20 }), tags: fc.array(fc.constantFrom("a", "bad"), { maxLength: 3 }) }), value) }),
  fc.record({ agent, syscall: fc.constantFrom("fs.read", "fs.write", "fs.list"), target: fc.constantFrom("/data/a", "/data", "/data/./a", "/data//a", "/data/a/", "/data/é", "/data/\0", "data/a", "/"), args: fc.oneof(fc.record({ size: fc.oneof(fc.integer({ min: 0, max: 200 }), value) }), value) }),
  fc.record({ agent, syscall: fc.constant("net.fetch"), target: fc.constantFrom("https://api.example/x", "https://API.example/x", "ftp://api.example/x", "https://api.example:443/x"), args: fc.oneof(fc.record({ method: fc.constantFrom("GET", "POST"), size: fc.oneof(fc.integer({ min: 0, max: 20 }), value) }, { requiredKeys: ["method"] }), value) }),
  fc.record({ agent, syscall: fc.constantFrom("spawn", "bogus", 3), target: fc.oneof(fc.constant("x"), value), args: value }),
  value,
);

describe("the request encoder", () => {
  it("decides every request, hostile or not, exactly as the interpreter", async () => {
    const r = compile(SRC, { filename: "enc.acp" });
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const policy = await loadPolicy(r.wasm!, r.manifest!);
    fc.assert(fc.property(request, (req) => {
      expect(policy.decide(req), JSON.stringify(req)).toEqual(interpret(r.checked!, req));
    }), { numRuns: 600 });
    // Inherited properties are not the request's, and absent optional records read as zero records.
    const inherited = Object.assign(Object.create({ flag: true }), { items: [] });
    expect(policy.decide({ agent: {}, syscall: "tool.call", target: "put", args: inherited })).toEqual(interpret(r.checked!, { agent: {}, syscall: "tool.call", target: "put", args: inherited }));
    const req = { agent: { labels: { team: "t1" } }, syscall: "tool.call", target: "put", args: { items: [{ name: "a" }], flag: true } };
    expect(policy.decide(req)).toEqual({ effect: "allow", rule: "put", audit: [] });
  });

  it("copies in only the agent fields the module reads, and still checks all of them", async () => {
    const reads = (src: string) => compile(src, { filename: "r.acp" }).manifest!.abi.agentReads;
    expect(reads(SRC)).toEqual(["name", "labels"]);
    expect(reads(`policy r { allow tool t when agent.role == "a" and agent.tenant != agent.id\n tool t({}) }`)).toEqual(["id", "role", "tenant"]);
    const blind = compile(`policy b { on violation deny\n tool t({ n: number })\n allow tool t when args.n < 5 }`, { filename: "b.acp" });
    expect(blind.manifest!.abi.agentReads).toEqual([]);
    const policy = await loadPolicy(blind.wasm!, blind.manifest!);
    const call = (agent: unknown) => ({ agent, syscall: "tool.call", target: "t", args: { n: 1 } });
    expect(policy.decide(call({ id: "a", name: "n", role: "r", tenant: "t", labels: { k: "v" } })).effect).toBe("allow");
    // Fields the module never reads are still part of the request's type: ill-typed ones are violations.
    for (const bad of [{ role: 7 }, { tenant: null }, { labels: { k: 1 } }, { labels: [] }, []]) {
      expect(policy.decide(call(bad)), JSON.stringify(bad)).toEqual({ effect: "deny", rule: null, audit: [] });
      expect(interpret(blind.checked!, call(bad)).effect).toBe("deny");
    }
  });

  it("writes every agent field for a manifest that does not say which it reads", async () => {
    const r = compile(`policy o { on violation deny\n allow fs.read "/d/**" when agent.role == "clerk" and agent.labels["team"] == "t1" }`, { filename: "o.acp" });
    const { agentReads, ...abi } = r.manifest!.abi;
    expect(agentReads).toEqual(["role", "labels"]);
    const old = await loadPolicy(r.wasm!, { ...r.manifest!, abi });
    const req = (role: string) => ({ agent: { role, labels: { team: "t1" } }, syscall: "fs.read", target: "/d/x" });
    expect(old.decide(req("clerk")).effect).toBe("allow");
    expect(old.decide(req("intern")).effect).toBe("deny");
  });

  it("fails closed on a decision made while a request is being read, instead of mixing the two", async () => {
    const r = compile(`policy p { on violation deny\n tool pay({ amount: number })\n allow fs.read "/ok/**"\n allow tool pay when args.amount < 100 }`, { filename: "p.acp" });
    const policy = await loadPolicy(r.wasm!, r.manifest!);
    const inner: Decision[] = [];
    const nested = (amount: number) => ({
      agent: {}, syscall: "tool.call", target: "pay",
      args: { get amount() { inner.push(policy.decide({ agent: {}, syscall: "fs.read", target: "/ok/x" })); return amount; } },
    });
    // Without the guard the nested fs.read's header stayed in memory and the 5000 transfer was allowed by its rule.
    expect(policy.decide(nested(5000))).toEqual({ effect: "deny", rule: null, audit: [] });
    expect(policy.decide(nested(50))).toEqual({ effect: "allow", rule: "p:4", audit: [] });
    expect(inner).toEqual([{ effect: "deny", rule: null, audit: [] }, { effect: "deny", rule: null, audit: [] }]);
    // A getter that throws is a violation too, and the policy decides normally afterwards.
    expect(policy.decide({ agent: {}, syscall: "tool.call", target: "pay", args: { get amount(): number { throw new Error("boom"); } } }).effect).toBe("deny");
    expect(policy.decide({ agent: {}, syscall: "fs.read", target: "/ok/x" })).toEqual({ effect: "allow", rule: "p:3", audit: [] });
  });

  it("refuses what has no faithful binary form: lone surrogates, holes, hidden fields, giant requests", async () => {
    const r = compile(`policy f { on violation deny
      tool pay({ to: string, confirm: string, reviewers: string[] max 4, force?: bool })
      deny tool pay when args.force
      allow tool pay when args.to == args.confirm and agent.role == "clerk"
      allow fs.read "/d/**" when agent.labels["team"] == "a" }`, { filename: "f.acp" });
    const policy = await loadPolicy(r.wasm!, r.manifest!);
    const both = (req: unknown) => {
      const d = policy.decide(req);
      expect(d, JSON.stringify(req)).toEqual(interpret(r.checked!, req));
      return d.effect;
    };
    const pay = (args: Record<string, unknown>, agent: Record<string, unknown> = { role: "clerk" }) => ({ agent, syscall: "tool.call", target: "pay", args });
    expect(both(pay({ to: "a😀", confirm: "a😀", reviewers: [] }))).toBe("allow");
    // Two different lone surrogates both become U+FFFD in UTF-8: the module would have called them equal.
    expect(both(pay({ to: "a\ud800", confirm: "a\udc00", reviewers: [] }))).toBe("deny");
    expect(both(pay({ to: "a", confirm: "a", reviewers: ["\udfff"] }))).toBe("deny");
    for (const agent of [{ role: "clerk", id: "\ud800" }, { role: "clerk", labels: { x: "\ud800" } }, { role: "clerk", labels: { "\udc00": "y" } }]) {
      expect(both(pay({ to: "a", confirm: "a", reviewers: [] }, agent)), JSON.stringify(agent)).toBe("deny");
    }
    expect(both({ agent: { labels: { team: "a" } }, syscall: "fs.read", target: "/d/\ud800" })).toBe("deny");
    expect(both({ agent: { labels: { team: "a" } }, syscall: "fs.read", target: "/d/x" })).toBe("allow");
    // A hole is no string (the interpreter's quantifiers would skip it; the module would read a zero slot).
    // eslint-disable-next-line no-sparse-arrays
    expect(both(pay({ to: "a", confirm: "a", reviewers: ["b", , "c"] }))).toBe("deny");
    // An own field that for-in does not see is still the request's: refused rather than read as absent.
    const hidden = { to: "a", confirm: "a", reviewers: [] };
    Object.defineProperty(hidden, "force", { value: true, enumerable: false });
    expect(both(pay(hidden))).toBe("deny");
    // Past 1 GiB of request the module's offsets would leave int32 range: refused before anything is copied.
    expect(policy.decide(pay({ to: "x".repeat(400_000_000), confirm: "a", reviewers: [] }))).toEqual({ effect: "deny", rule: null, audit: [] });
    expect(both(pay({ to: "a", confirm: "a", reviewers: [] }))).toBe("allow");
  });

  it("checks an fs target's canonical form as it copies it, exactly as isCanonicalPath", async () => {
    const r = compile(`policy p { on violation deny\n allow fs.read "/**"\n allow fs.write "/**" when args.size < 5 }`, { filename: "p.acp" });
    const policy = await loadPolicy(r.wasm!, r.manifest!);
    const path = fc.array(fc.constantFrom("/", ".", "a", "..", "...", "\0", "é", "\ud800", "😀"), { maxLength: 9 }).map((xs) => xs.join(""));
    fc.assert(fc.property(path, fc.constantFrom("fs.read", "fs.write"), (target, syscall) => {
      const req = { agent: {}, syscall, target, args: { size: 1 } };
      expect(policy.decide(req), JSON.stringify(target)).toEqual(interpret(r.checked!, req));
      expect(policy.decide(req).effect === "allow", JSON.stringify(target)).toBe(isCanonicalPath(target) && isWellFormed(target));
    }), { numRuns: 2000 });
    for (const long of ["/" + "a".repeat(4095), "/" + "a".repeat(4096), "/" + "é".repeat(2047), "/" + "é".repeat(2048)]) {
      const req = { agent: {}, syscall: "fs.read", target: long };
      expect(policy.decide(req).effect, String(long.length)).toBe(interpret(r.checked!, req).effect);
    }
  });

  it("gives args.host of an IPv6 URL without brackets, so ip(args.host) CIDR rules match it", async () => {
    const r = compile(`policy n {
      on violation deny
      allow net.fetch "**"
      @id("loop6") kill net.fetch "**" when ip(args.host).inCidr("::1/128") or ip(args.host).inCidr("::ffff:0:0/96")
      @id("loop4") kill net.fetch "**" when ip(args.host).inCidr("127.0.0.0/8") }`, { filename: "n.acp" });
    const policy = await loadPolicy(r.wasm!, r.manifest!);
    const fetch = (target: string) => ({ agent: {}, syscall: "net.fetch", target, args: { method: "GET" } });
    for (const [target, rule] of [["http://127.0.0.1:8123/a", "loop4"], ["http://[::1]:8124/e", "loop6"], ["http://[::ffff:7f00:1]:8123/b", "loop6"], ["http://[2001:db8::1]/x", "n:3"]] as const) {
      const d = policy.decide(fetch(target));
      expect(d, target).toEqual(interpret(r.checked!, fetch(target)));
      expect(d.rule, target).toBe(rule);
    }
  });
});
