// Random well-typed policies and requests over one fixed vocabulary, for property tests that
// compare engines (differential) or check the verifier's promises (assert never).
import fc from "fast-check";

const STRINGS = ["", "a", "ab", "USD", "EUR", "acct-1", "acct-666", "10.0.0.7", "::1", "é", "x/y", "A", "treasurer", "Ops", "a.b"];
const lit = (s: string) => JSON.stringify(s);

export type Ctx = "pay" | "write" | "fetch" | "none";

const strLit = fc.constantFrom(...STRINGS).map(lit);
const numLit = fc.oneof(fc.integer({ min: -5, max: 2000 }), fc.constantFrom(0, 1, 1000, 0.5, 1e3)).map((n) => (n < 0 ? `-${-n}` : String(n)));

function strExpr(ctx: Ctx): fc.Arbitrary<string> {
  const base = [strLit, fc.constantFrom("agent.role", "agent.name", "agent.tenant", "agent.id", 'agent.labels["team"]', "target")];
  if (ctx === "pay") base.push(fc.constantFrom("args.to", "args.memo", "args.currency"));
  if (ctx === "fetch") base.push(fc.constantFrom("args.method", "args.host", "args.path"));
  const atom = fc.oneof(...base);
  return fc.oneof({ weight: 4, arbitrary: atom }, { weight: 1, arbitrary: atom.map((s) => `${s}.lower()`) }, { weight: 1, arbitrary: atom.map((s) => `${s}.upper()`) });
}

function numExpr(ctx: Ctx): fc.Arbitrary<string> {
  const base = [numLit, strExpr(ctx).map((s) => `${s}.length`)];
  if (ctx === "pay") base.push(fc.constantFrom("args.amount", "args.tags.length", "-args.amount"));
  if (ctx === "write") base.push(fc.constant("args.size"));
  if (ctx === "fetch") base.push(fc.constantFrom("args.size", "args.port"));
  return fc.oneof(...base);
}

export function boolExpr(ctx: Ctx, depth: number): fc.Arbitrary<string> {
  const s = strExpr(ctx), n = numExpr(ctx);
  const leaves: fc.Arbitrary<string>[] = [
    fc.constantFrom("true", "false"),
    fc.tuple(n, fc.constantFrom("==", "!=", "<", "<=", ">", ">="), n).map(([a, o, b]) => `${a} ${o} ${b}`),
    fc.tuple(s.filter((x) => !x.includes("currency")), fc.constantFrom("==", "!="), s.filter((x) => !x.includes("currency"))).map(([a, o, b]) => `${a} ${o} ${b}`),
    fc.tuple(s, fc.constantFrom("startsWith", "endsWith", "contains"), s).map(([a, m, b]) => `${a}.${m}(${b})`),
    fc.tuple(s, fc.constantFrom("a*", "*b", "**", "a/*", "*/y", "x/**", "é*")).map(([a, g]) => `${a}.matches(${lit(g)})`),
    fc.tuple(s, fc.constantFrom("^a", "b$", "^[a-z]+$", "c.t", "^(ab|cd)+$", "\\d{2,3}", "^.$", "[^a]", "acct-(666|999)")).map(([a, r]) => `${a}.matchesRegex(${lit(r)})`),
    fc.tuple(s, fc.constantFrom("10.0.0.0/8", "10.0.0.7/32", "::/0", "::1/128", "0.0.0.0/0")).map(([a, c]) => `ip(${a}).inCidr(${lit(c)})`),
    fc.tuple(s, fc.constantFrom("blocked", '["a", "ab", "USD"]', "[]")).map(([a, l]) => `${a} in ${l}`),
    fc.tuple(n, numLit, numLit).map(([a, lo, hi]) => `${a} in ${lo}..${hi}`),
    fc.tuple(n, fc.constantFrom("limits", "[1, 2, 1000]")).map(([a, l]) => `${a} in ${l}`),
  ];
  if (ctx === "pay") {
    leaves.push(
      fc.constantFrom("args.urgent", "not args.urgent", 'args.currency == "USD"', 'args.currency != "EUR"'),
      fc.tuple(fc.constantFrom("any", "all"), fc.constantFrom('t.startsWith("a")', 't == "ab"', "t.length > 1", "t in blocked")).map(([q, b]) => `${q}(t in args.tags: ${b})`),
      fc.tuple(s).map(([a]) => `${a} in args.tags`),
    );
  }
  const leaf = fc.oneof(...leaves);
  if (depth <= 0) return leaf;
  const sub = boolExpr(ctx, depth - 1);
  return fc.oneof(
    { weight: 3, arbitrary: leaf },
    { weight: 1, arbitrary: fc.tuple(sub, fc.constantFrom("and", "or"), sub).map(([a, o, b]) => `(${a} ${o} ${b})`) },
    { weight: 1, arbitrary: sub.map((a) => `not (${a})`) },
  );
}

export const TARGETS: { text: string; ctx: Ctx }[] = [
  { text: "tool pay", ctx: "pay" },
  { text: "tool *", ctx: "none" },
  { text: "tool search", ctx: "none" },
  { text: 'fs.read "/mem/**"', ctx: "none" },
  { text: 'fs.read "/mem/*/notes.txt"', ctx: "none" },
  { text: 'fs.read "/**"', ctx: "none" },
  { text: 'fs.write "/mem/working/**"', ctx: "write" },
  { text: 'fs.write "/mem/*"', ctx: "write" },
  { text: 'net.fetch "https://*.bank.example/**"', ctx: "fetch" },
  { text: 'net.fetch "https://api.bank.example/pay"', ctx: "fetch" },
  { text: "spawn", ctx: "none" },
  { text: "*", ctx: "none" },
];

export const rule = fc.tuple(
  fc.constantFrom("allow", "allow", "deny", "kill", "stop", "audit"),
  fc.constantFrom(...TARGETS),
  fc.option(fc.integer({ min: 0, max: 2 }), { nil: undefined }),
).chain(([effect, t, depth]) =>
  (depth === undefined ? fc.constant("") : boolExpr(t.ctx, depth).map((c) => ` when ${c}`)).map((cond) => `${effect} ${t.text}${cond}`),
);

export const policyHeader = (ov: string) => `policy fuzz {
  on violation ${ov}
  type Currency = "USD" | "EUR"
  tool pay({ amount: number, currency: Currency, to: string, memo?: string, tags: string[] max 3, urgent: bool })
  tool search({ query: string })
  const blocked = ["acct-666", "acct-999", ""]
  const limits = [0, 1000, 50000]
`;

export const policySource = fc.tuple(fc.constantFrom("kill", "deny", "stop"), fc.array(rule, { minLength: 1, maxLength: 8 })).map(([ov, rules]) =>
  `${policyHeader(ov)}${rules.map((r, i) => `  @id("r${i}") ${r}`).join("\n")}\n}\n`);

const agent = fc.record({
  id: fc.constantFrom(...STRINGS), name: fc.constantFrom(...STRINGS), role: fc.constantFrom(...STRINGS), tenant: fc.constantFrom(...STRINGS),
  labels: fc.dictionary(fc.constantFrom("team", "env"), fc.constantFrom(...STRINGS), { maxKeys: 2 }),
}, { requiredKeys: [] });

const payArgs = fc.record({
  amount: fc.oneof(fc.integer({ min: -10, max: 60000 }), fc.constantFrom(0, 1000, 1000.5, 50000)),
  currency: fc.constantFrom("USD", "EUR"),
  to: fc.constantFrom(...STRINGS),
  memo: fc.constantFrom(...STRINGS),
  tags: fc.array(fc.constantFrom(...STRINGS), { maxLength: 3 }),
  urgent: fc.boolean(),
}, { requiredKeys: ["amount", "currency", "to", "tags", "urgent"] });

export const request = fc.oneof(
  fc.record({ agent, syscall: fc.constant("tool.call"), target: fc.constant("pay"), args: payArgs }),
  fc.record({ agent, syscall: fc.constant("tool.call"), target: fc.constantFrom("search", "nope"), args: fc.constant({ query: "q" }) }),
  fc.record({ agent, syscall: fc.constantFrom("fs.read", "fs.list"), target: fc.constantFrom("/mem/a/notes.txt", "/mem", "/mem/working/x", "/etc/passwd", "/", "/mem//x", "/mem/é") }),
  fc.record({ agent, syscall: fc.constant("fs.write"), target: fc.constantFrom("/mem/working/a/b", "/mem/x", "/policy/p.acp"), args: fc.record({ size: fc.integer({ min: 0, max: 2_000_000 }) }) }),
  fc.record({ agent, syscall: fc.constant("net.fetch"), target: fc.constantFrom("https://api.bank.example/pay", "https://x.bank.example/a/b?c=1", "https://evil.example/", "http://api.bank.example:8080/pay"), args: fc.record({ method: fc.constantFrom("GET", "POST"), size: fc.nat(5000) }) }),
  fc.record({ agent, syscall: fc.constantFrom("spawn", "signal", "checkpoint", "bogus"), target: fc.constantFrom("x", "") }),
);

