// Differential property: for random well-typed policies and random requests, the compiled WASM
// module decides exactly as the reference interpreter. ACP_FUZZ_RUNS scales the run (`npm run fuzz`).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compile } from "./compile.js";
import { interpret } from "./interpret.js";
import { loadPolicy } from "../runtime/policy/load.js";
import { policySource, request } from "./testing/generators.js";

const RUNS = Number(process.env.ACP_FUZZ_RUNS ?? 120);

describe("interpreter and WASM agree", () => {
  it(`on ${RUNS} random policies × 25 requests`, async () => {
    await fc.assert(
      // Half the runs force the planner's fallback (each glob matched on its own) instead of one
      // combined automaton per syscall: both plans must decide alike.
      fc.asyncProperty(policySource, fc.array(request, { minLength: 25, maxLength: 25 }), fc.boolean(), async (src, reqs, fallback) => {
        const r = compile(src, { filename: "fuzz.acp", verify: false, ...(fallback ? { maxCombinedStates: 1 } : {}) });
        if (!r.wasm || !r.manifest || !r.checked) throw new Error(`generated policy did not compile:\n${src}\n${r.diagnostics.map((d) => d.message).join("\n")}`);
        const policy = await loadPolicy(r.wasm, r.manifest);
        for (const req of reqs) {
          expect(policy.decide(req), `${src}\n${JSON.stringify(req)}`).toEqual(interpret(r.checked, req));
        }
      }),
      { numRuns: RUNS },
    );
  });
});
