import { describe, expect, it } from "vitest";
import { checkSource, compile } from "./compile.js";
import { plan } from "./planner.js";

const checked = (src: string) => {
  const r = checkSource(src, "p.acp");
  if (!r.checked) throw new Error(r.diagnostics.map((d) => d.message).join("\n"));
  return r.checked;
};

/** n tools and 2n rules spread over them and over n paths, like a large real policy. */
function wide(n: number): string {
  const lines = [];
  for (let i = 0; i < n; i++) {
    lines.push(`  tool t${i}({ amount: number })`);
    lines.push(`  allow tool t${i} when args.amount <= ${i}`);
    lines.push(`  allow fs.read "/data/t${i}/**" when agent.role == "r${i}"`);
  }
  return `policy wide {\n${lines.join("\n")}\n}\n`;
}

describe("planner", () => {
  it("selects candidates by tool index and sorts them by precedence, then source order", () => {
    const cp = checked(`policy p {
  tool a({ x: number })
  tool b({ x: number })
  allow tool a
  kill tool *
  audit tool b
  deny tool b when args.x > 1
  allow *
}`);
    const p = plan(cp);
    expect(p["tool.call"]).toMatchObject({ kind: "indexed" });
    const groups = (p["tool.call"] as { groups: { candidates: { rule: number }[]; audits: { rule: number }[] }[] }).groups;
    expect(groups[0]!.candidates.map((c) => c.rule)).toEqual([1, 0, 4]);
    expect(groups[1]!.candidates.map((c) => c.rule)).toEqual([1, 3, 4]);
    expect(groups[1]!.audits.map((c) => c.rule)).toEqual([2]);
  });

  it("indexes fs rules by one combined automaton, or falls back to one automaton per glob", () => {
    const src = 'policy p {\n  allow fs.read "/a/**"\n  deny fs.read "/a/b/*"\n  allow fs.read "/c"\n}';
    const combined = plan(checked(src));
    expect(combined["fs.read"].kind).toBe("dfa");
    const fallback = plan(checked(src), { maxCombinedStates: 1 });
    expect(fallback["fs.read"]).toMatchObject({ kind: "static", group: { candidates: [{ rule: 1, glob: { src: "/a/b/*" } }, { rule: 0 }, { rule: 2 }] } });
  });

  it("keeps a decision's worst case flat as the policy grows", () => {
    // The cost bound follows the plan: the candidates of one target, not the whole policy.
    const small = compile(wide(10), { optimize: false }).manifest!;
    const large = compile(wide(1000), { optimize: false }).manifest!;
    expect(large.rules.length).toBe(2000);
    expect(large.costBound.perSyscall["tool.call"]).toBe(small.costBound.perSyscall["tool.call"]);
    expect(large.costBound.perSyscall["fs.read"]).toBe(small.costBound.perSyscall["fs.read"]);
  });
});
