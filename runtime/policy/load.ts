// Loads a decision module beside its manifest and refuses anything that is not exactly what the
// compiler produced: a different hash, any import, a missing export. Fails closed.
import { RequestEncoder } from "../../stdlib/abi/encode.js";
import { parseManifest } from "../../stdlib/abi/manifest-schema.js";
import { EFFECT_BY_RANK, type Decision, type Manifest } from "../../stdlib/abi/types.js";

/** E1001–E1005: the module and its manifest; E1010–E1013: a bundle (see stdlib/abi/bundle.ts);
 * E1014: a reload that would change what a running kernel cannot change. */
export type PolicyLoadCode = "E1001" | "E1002" | "E1003" | "E1004" | "E1005" | "E1010" | "E1011" | "E1012" | "E1013" | "E1014";

export class PolicyLoadError extends Error {
  constructor(readonly code: PolicyLoadCode, message: string) {
    super(`error[${code}]: ${message}`);
    this.name = "PolicyLoadError";
  }
}

/** Where a policy loaded from a bundle came from. */
export interface PolicyProvenance {
  /** The key that signed the bundle, when it was signed by a key the loader trusted; else null. */
  signedBy: string | null;
  /** The key id the bundle names (signed, whether or not that key was given to check it), or null. */
  kid: string | null;
  sourceSha256: string;
  compiler: string;
}

export interface LoadOptions {
  /** Public keys (PEM or KeyObject): only a bundle signed by one of them is loaded. Given, a bare
   * module and manifest are refused too (E1011): they carry no signature. */
  trustedKeys?: readonly (string | CryptoKeyLike)[];
}
/** A node:crypto KeyObject (typed loosely: the runtime is also built for edge workers). */
type CryptoKeyLike = object;

export interface Policy {
  readonly manifest: Manifest;
  /** Set for a policy loaded from a bundle. */
  readonly bundle?: PolicyProvenance;
  /** Decides one request; synchronous, never throws: any internal failure decides the violation
   * effect. The decision is frozen: decisions without audit rules are shared between calls. */
  decide(request: unknown): Decision;
}

export async function sha256Hex(bytes: Uint8Array | string): Promise<string> {
  const data = typeof bytes === "string" ? new TextEncoder().encode(bytes) : bytes;
  const h = await globalThis.crypto.subtle.digest("SHA-256", data);
  return Array.from(new Uint8Array(h), (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * A decision module and its manifest, or a bundle (`acp-bundle/1`, from `acpc build`: the module,
 * its manifest and its signature in one file; give it alone, or with `undefined` for the manifest).
 */
export async function loadPolicy(wasm: Uint8Array | WebAssembly.Module, manifestJson?: unknown, opts: LoadOptions = {}): Promise<Policy> {
  if (wasm instanceof Uint8Array && wasm[0] === 0x7b) {
    if (manifestJson !== undefined) throw new PolicyLoadError("E1010", "a bundle carries its own manifest: give the bundle alone");
    return loadBundle(wasm, opts);
  }
  if (opts.trustedKeys !== undefined) throw new PolicyLoadError("E1011", "only bundles signed by a trusted key are accepted, and a module with its manifest is not signed (build a bundle with acpc build --sign-key)");
  return loadModule(wasm, manifestJson);
}

async function loadBundle(bytes: Uint8Array, opts: LoadOptions): Promise<Policy> {
  // Loaded on demand: the bundle's check needs node:crypto's ed25519, which an edge build of the
  // runtime (precompiled modules) does without.
  const { readBundle, BundleError } = await import("../../stdlib/abi/bundle.js");
  let b;
  try { b = readBundle(bytes, { trustedKeys: opts.trustedKeys as never }); } catch (e) {
    if (e instanceof BundleError) throw new PolicyLoadError(e.code, e.message);
    throw e;
  }
  const manifest = b.header.manifest as { moduleSha256?: unknown } | null;
  if (manifest?.moduleSha256 !== b.header.moduleSha256) throw new PolicyLoadError("E1010", "the bundle's manifest names another module than the one it holds");
  const policy = await loadModule(b.wasm, b.header.manifest);
  const provenance: PolicyProvenance = Object.freeze({ signedBy: b.signedBy, kid: b.header.kid ?? null, sourceSha256: b.header.sourceSha256, compiler: b.header.compiler });
  Object.defineProperty(policy, "bundle", { value: provenance, enumerable: true });
  return policy;
}

async function loadModule(wasm: Uint8Array | WebAssembly.Module, manifestJson: unknown): Promise<Policy> {
  const parsed = parseManifest(typeof manifestJson === "string" ? safeJson(manifestJson) : manifestJson);
  if (!parsed.ok) throw new PolicyLoadError("E1004", `invalid manifest: ${parsed.message}`);
  const manifest = parsed.manifest;
  let module: WebAssembly.Module;
  if (!(wasm instanceof WebAssembly.Module) && !ArrayBuffer.isView(wasm) && !((wasm as unknown) instanceof ArrayBuffer)) {
    throw new PolicyLoadError("E1005", `not a WebAssembly module: expected bytes or a WebAssembly.Module, got ${wasm === null ? "null" : typeof wasm}`);
  }
  if (wasm instanceof WebAssembly.Module) {
    // Precompiled modules (edge workers cannot compile bytes) are trusted to be the manifest's.
    module = wasm;
  } else {
    const digest = await sha256Hex(wasm);
    if (digest !== manifest.moduleSha256) throw new PolicyLoadError("E1001", `module SHA-256 ${digest} does not match the manifest's ${manifest.moduleSha256}`);
    try { module = new WebAssembly.Module(wasm); } catch (e) { throw new PolicyLoadError("E1005", `not a WebAssembly module: ${(e as Error).message}`); }
  }
  const imports = WebAssembly.Module.imports(module);
  if (imports.length > 0) throw new PolicyLoadError("E1002", `decision modules must have no imports; this one imports ${imports.map((i) => `${i.module}.${i.name}`).join(", ")}`);
  const exports = new Map(WebAssembly.Module.exports(module).map((e) => [e.name, e.kind]));
  for (const [name, kind] of [["memory", "memory"], ["decide", "function"], ["req_base", "global"], ["audit_base", "global"]] as const) {
    if (exports.get(name) !== kind) throw new PolicyLoadError("E1003", `decision module lacks the ${kind} export \`${name}\``);
  }
  const instance = new WebAssembly.Instance(module, {});
  // A precompiled module is not hashed: a manifest of another policy (a new module deployed beside
  // an old manifest) would have it encode requests where the module does not read them, and name
  // rules it does not have (decide threw a TypeError). The ABI addresses tell most such pairs apart.
  const ex = instance.exports as Record<string, WebAssembly.Global>;
  for (const [key, name] of [["reqBase", "req_base"], ["auditBase", "audit_base"]] as const) {
    if (ex[name]!.value !== manifest.abi[key]) throw new PolicyLoadError("E1004", `the manifest is not this module's: manifest.abi.${key} is ${manifest.abi[key]}, the module's ${name} is ${ex[name]!.value}`);
  }
  return new WasmPolicy(manifest, instance);
}

function safeJson(s: string): unknown {
  try { return JSON.parse(s); } catch { return null; }
}

const NO_AUDIT = Object.freeze([]) as unknown as string[];

class WasmPolicy implements Policy {
  private readonly decideFn: () => number;
  private readonly memory: WebAssembly.Memory;
  private readonly encoder: RequestEncoder;
  private readonly auditBase: number;
  /** The decision of a rule, or of none, that marked no audit rule, by `(rule + 1) * 4 + rank`:
   * made once, frozen and shared, so most decisions allocate nothing. */
  private readonly decisions: (Decision | null)[];
  private readonly violationDecision: Decision;

  constructor(readonly manifest: Manifest, instance: WebAssembly.Instance) {
    const ex = instance.exports as Record<string, unknown>;
    this.decideFn = ex.decide as () => number;
    this.memory = ex.memory as WebAssembly.Memory;
    this.auditBase = (ex.audit_base as WebAssembly.Global).value as number;
    const reqBase = (ex.req_base as WebAssembly.Global).value as number;
    this.encoder = new RequestEncoder(this.memory, reqBase, manifest, manifest.abi.agentReads);
    this.decisions = new Array<Decision | null>((manifest.rules.length + 1) * 4).fill(null);
    this.violationDecision = Object.freeze({ effect: manifest.onViolation, rule: null, audit: NO_AUDIT });
  }

  /** Set while a request is being read and decided: see decide(). */
  private busy = false;

  decide(request: unknown): Decision {
    // Reading the request can run the caller's code (a getter, a Proxy trap). Were that code to
    // decide another request meanwhile, the two would be written over each other in linear memory
    // and the outer one decided on a mix of both: the nested call fails closed instead.
    if (this.busy) return this.violationDecision;
    let packed: number;
    this.busy = true;
    try {
      if (!this.encoder.encode(request)) return this.violationDecision;
      packed = this.decideFn();
    } catch {
      return this.violationDecision;
    } finally {
      this.busy = false;
    }
    const rank = packed & 15;
    const ruleIndex = (packed >>> 4) - 1;
    const n = this.encoder.word(this.auditBase);
    if (n === 0 && rank < 4) {
      const key = (ruleIndex + 1) * 4 + rank;
      const known = this.decisions[key];
      if (known) return known;
      if (key < this.decisions.length) {
        const made = this.decision(rank, ruleIndex, NO_AUDIT);
        if (made !== this.violationDecision) this.decisions[key] = Object.freeze(made);
        return made;
      }
    }
    const rules = this.manifest.rules;
    const audit: string[] = [];
    for (let i = 0; i < n; i++) {
      const r = rules[this.encoder.word(this.auditBase + 4 + 4 * i)];
      if (!r) return this.violationDecision;
      audit.push(r.id);
    }
    return this.decision(rank, ruleIndex, audit);
  }

  /** A rule or effect the manifest does not have (a module and manifest that do not belong
   * together): the violation effect, as for any failure; decide never throws. */
  private decision(rank: number, ruleIndex: number, audit: string[]): Decision {
    const effect = EFFECT_BY_RANK[rank];
    const rule = ruleIndex < 0 ? null : this.manifest.rules[ruleIndex];
    if (!effect || rule === undefined) return this.violationDecision;
    return { effect, rule: rule === null ? null : rule.id, audit };
  }
}
