// The manifest that travels beside a decision module: what the policy declares, where each rule
// lives in the source, the hashes that bind module and source, and the cost bound.
import { createHash } from "node:crypto";
import type { Manifest, SpanDesc, Syscall, AbiDesc } from "../stdlib/abi/types.js";
import type { Span } from "../grammar/ast.js";
import type { CheckedPolicy, TargetSel } from "./ir.js";

export const sha256 = (b: Uint8Array | string) => createHash("sha256").update(b).digest("hex");

const spanDesc = (s: Span): SpanDesc => ({ line: s.line, col: s.col, endLine: s.endLine, endCol: s.endCol });

function limitKey(t: TargetSel): { syscall: Syscall | "*"; name: string | null } {
  switch (t.kind) {
    case "fs": return { syscall: t.syscall, name: t.glob };
    case "net": return { syscall: "net.fetch", name: t.glob };
    case "tool": return { syscall: "tool.call", name: t.name === "*" ? null : t.name };
    case "pipe": return { syscall: t.syscall, name: t.name };
    case "any": return { syscall: "*", name: null };
    default: return { syscall: t.kind, name: null };
  }
}

export function buildManifest(cp: CheckedPolicy, wasm: Uint8Array, abi: AbiDesc, costBound: Manifest["costBound"]): Manifest {
  return {
    format: "acp-manifest/1",
    policy: cp.name,
    version: cp.version,
    file: cp.file,
    onViolation: cp.onViolation,
    sourceSha256: sha256(cp.source),
    moduleSha256: sha256(wasm),
    rules: cp.rules.map((r) => ({ index: r.index, id: r.id, effect: r.effect, target: r.targetText, span: spanDesc(r.span) })),
    types: cp.types,
    tools: cp.tools,
    pipes: cp.pipes,
    limits: cp.limits.map((l) => ({ target: l.targetText, ...limitKey(l.target), count: l.count, window: l.window, windowMs: l.windowMs })),
    asserts: cp.asserts.map((a) => ({ target: a.targetText, span: spanDesc(a.span) })),
    costBound,
    abi,
  };
}
