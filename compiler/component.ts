// A policy as a WebAssembly component of the world in wit/policy.wit: the decision module with its
// JSON adapter (codegen/component/adapter.ts) as the core module, wrapped by jco's wit-component
// (componentEmbed, then componentNew). jco is loaded only here: compiling a core module needs none.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { compile, type CompileOptions, type CompileResult } from "./compile.js";

export const WIT_WORLD = "decider";

/** The text of wit/policy.wit, the world every policy component implements. */
export function policyWit(): string {
  // From dist/compiler or compiler/ alike, the package root is two folders up.
  for (const rel of ["../wit/policy.wit", "../../wit/policy.wit"]) {
    try { return readFileSync(fileURLToPath(new URL(rel, import.meta.url)), "utf8"); } catch { /* the other layout */ }
  }
  throw new Error("wit/policy.wit is missing from the package");
}

/** Wraps a component core module (CompileResult.componentCore) as a component. */
export async function componentFromCore(core: Uint8Array): Promise<Uint8Array> {
  const { componentEmbed, componentNew } = await import("@bytecodealliance/jco");
  const embedded = await componentEmbed({ binary: core, witSource: policyWit(), world: WIT_WORLD });
  return componentNew(embedded);
}

/** compile() and, when the policy compiles, its component. */
export async function compileComponent(source: string, opts: CompileOptions = {}): Promise<CompileResult & { component: Uint8Array | null }> {
  const r = compile(source, { ...opts, component: true });
  return { ...r, component: r.componentCore ? await componentFromCore(r.componentCore) : null };
}
