// The verifier's two promises, checked on random policies: a policy that compiles never allows a
// request its assertion forbids, and an E0601 counterexample really is such a request.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compile } from "../compile.js";
import { evalExpr, interpret, selects } from "../interpret.js";
import { prepareRequest } from "../../stdlib/abi/prepare.js";
import type { CheckedPolicy } from "../ir.js";
import { TARGETS, boolExpr, policyHeader, request, rule } from "../testing/generators.js";

const RUNS = Number(process.env.ACP_FUZZ_RUNS ?? 80);

const assertion = fc.constantFrom(...TARGETS).chain((t) =>
  fc.option(boolExpr(t.ctx, 1), { nil: undefined }).map((c) => `assert never ${t.text}${c ? ` when ${c}` : ""}`));

const source = fc.tuple(fc.constantFrom("kill", "deny", "stop"), fc.array(rule, { minLength: 1, maxLength: 6 }), assertion)
  .map(([ov, rules, a]) => `${policyHeader(ov)}${rules.map((r, i) => `  @id("r${i}") ${r}`).join("\n")}\n  ${a}\n}\n`);

function forbidden(cp: CheckedPolicy, req: unknown): boolean {
  const a = cp.asserts[0]!;
  const p = prepareRequest(cp, req);
  return p.ok && selects(a.target, p) && (!a.cond || Boolean(evalExpr(a.cond, p, [])));
}

describe("assert never", () => {
  it(`is sound on ${RUNS} random policies`, () => {
    const seen = { proved: 0, refuted: 0, unproven: 0 };
    fc.assert(
      fc.property(source, fc.array(request, { minLength: 30, maxLength: 30 }), (src, reqs) => {
        const r = compile(src, { filename: "a.acp" });
        const unverified = compile(src, { filename: "a.acp", verify: false }).checked!;
        const e601 = r.diagnostics.find((d) => d.code === "E0601");
        if (r.wasm) {
          seen.proved++;
          for (const q of reqs) if (forbidden(r.checked!, q)) expect(interpret(r.checked!, q).effect, `${src}\n${JSON.stringify(q)}`).not.toBe("allow");
        } else if (e601) {
          seen.refuted++;
          const cex = JSON.parse(e601.notes![0]!.replace(/^counterexample: /, ""));
          expect(forbidden(unverified, cex), src).toBe(true);
          expect(interpret(unverified, cex).effect, src).toBe("allow");
        } else {
          seen.unproven++;
          expect(r.diagnostics.map((d) => d.code)).toContain("E0602");
        }
      }),
      { numRuns: RUNS },
    );
    // The generator must exercise both outcomes, or the property says little.
    expect(seen.proved).toBeGreaterThan(0);
    expect(seen.refuted).toBeGreaterThan(0);
  });
});
