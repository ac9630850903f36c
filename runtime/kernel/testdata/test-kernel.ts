// For the kernel's tests: a kernel over a policy compiled from source, shut down after each test.
import { afterEach } from "vitest";
import { compile } from "../../../compiler/compile.js";
import { loadPolicy } from "../../policy/load.js";
import { Kernel, type KernelCreateOptions } from "../create.js";

/** Returns `kernel(options)`: compiles `source` (throwing its diagnostics), creates a kernel, and
 * registers it to be shut down after the current test. */
export function kernelsFor(source: string, filename: string, defaults: Partial<KernelCreateOptions> = {}) {
  const open: Kernel[] = [];
  afterEach(async () => { for (const k of open.splice(0)) await k.shutdown(); });
  return async (o: Partial<KernelCreateOptions> = {}): Promise<Kernel> => {
    const r = compile(source, { filename });
    if (!r.wasm || !r.manifest) throw new Error(r.diagnostics.map((d) => d.message).join("\n"));
    const k = await Kernel.create({ policy: await loadPolicy(r.wasm, r.manifest), ...defaults, ...o });
    open.push(k);
    return k;
  };
}
