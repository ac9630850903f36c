// Hover: what the name under the cursor is (a type and what it resolves to, a field's type, a
// tool's or pipe's argument type, a rule's id and effect, a quantifier's variable), what a syscall
// target gives `args`, an `agent.` field, or a method's signature.
import type { Span, Target } from "../../grammar/ast.js";
import { AGENT_READS, BUILTIN_ARGS, type TypeDesc } from "../../stdlib/abi/types.js";
import { BUILTINS } from "../../stdlib/builtins.js";
import { typeToString } from "../check/types.js";
import type { Analysis } from "./analysis.js";
import { occurrenceAt, spotAt, type PolicySymbol } from "./symbols.js";

export interface HoverText { markdown: string; span: Span }

export function hoverAt(a: Analysis, offset: number): HoverText | null {
  if (!a.index || !a.ast) return null;
  const occ = occurrenceAt(a.index, offset);
  if (occ) return { markdown: describeSymbol(a, occ.symbol), span: occ.span };
  const spot = spotAt(a.index, offset);
  if (!spot) return null;
  if (spot.kind === "agent") return { markdown: agentField(spot.field ?? ""), span: spot.span };
  if (spot.kind === "method") {
    const b = [...BUILTINS.values()].find((x) => x.name === spot.field);
    if (!b) return null;
    const params = [...b.params, ...(b.pattern ? [`${b.pattern} pattern (a string literal)`] : [])].join(", ");
    const recv = b.receiver === "ip" ? "ip(x)" : "string";
    return { markdown: `\`${recv}.${b.name}(${params}) -> ${b.returns}\`: ${b.cost} step${b.cost === 1 ? "" : "s"} of the cost bound`, span: spot.span };
  }
  const { syscall, args } = targetArgs(a, spot.target);
  const argsText = args ? `\`args\`: \`${typeToString(args)}\`` : "no `args`";
  const head = spot.kind === "args" ? `\`args\` under \`${syscall}\`` : `syscall \`${syscall}\``;
  return { markdown: `${head}: ${argsText}`, span: spot.span };
}

function agentField(name: string): string {
  if (name === "labels") return "`agent.labels`: the agent's labels, a map of string (`agent.labels[\"team\"]`; a missing label reads as `\"\"`)";
  if ((AGENT_READS as readonly string[]).includes(name)) return `\`agent.${name}\`: string, from the request's agent header (missing reads as \`""\`)`;
  return `\`agent.${name}\`: not an agent field (${AGENT_READS.map((f) => `\`${f}\``).join(", ")})`;
}

const code = (s: string) => "```acp\n" + s + "\n```";

function describeSymbol(a: Analysis, s: PolicySymbol): string {
  const text = a.text.slice(s.decl.offset, s.decl.endOffset);
  const ast = a.ast!;
  switch (s.kind) {
    case "type": {
      const d = ast.types.find((t) => t.name === s.name);
      const t = d && a.resolve(d.type);
      return [code(text), t && d.type.kind !== "prim" ? `= \`${typeToString(t)}\`` : ""].filter(Boolean).join("\n\n");
    }
    case "tool": {
      const d = ast.tools.find((t) => t.name === s.name);
      const t = d && a.resolve(d.param);
      return [code(text), `syscall \`tool.call\`, target \`${s.name}\`` + (t ? `; \`args\`: \`${typeToString(t)}\`` : "")].join("\n\n");
    }
    case "pipe": {
      const d = ast.pipes.find((p) => p.name === s.name);
      const t = d && a.resolve(d.carries);
      return [code(text), `\`pipe.send\` / \`pipe.recv\` \`${s.name}\`` + (d ? ` from \`${d.from}\` to \`${d.to}\`, capacity ${d.capacity}` : "") + (t ? `; messages: \`${typeToString(t)}\`` : "")].join("\n\n");
    }
    case "const": return code(text);
    case "field": {
      const f = s.field!;
      const t = a.resolve(f.type);
      const written = a.text.slice(f.type.span.offset, f.type.span.endOffset);
      const meaning = t && typeToString(t) !== written ? ` = \`${typeToString(t)}\`` : "";
      return `(field) \`${f.name}${f.optional ? "?" : ""}: ${written}\`${meaning}` + (f.optional ? "\n\nOptional: an absent field reads as its type's empty value." : "");
    }
    case "variable": {
      const q = s.quant!;
      const t = q.item && a.resolve(q.item);
      return `(variable) \`${s.name}${t ? `: ${typeToString(t)}` : ""}\`: each item of \`${a.text.slice(q.list.span.offset, q.list.span.endOffset)}\``;
    }
    case "rule": {
      const r = s.rule!;
      const target = a.text.slice(r.target.span.offset, r.target.span.endOffset);
      const implicit = r.id === null ? ` (no \`@id\`: named by its line)` : "";
      return `rule \`${s.name}\`${implicit}: **${r.effect}** \`${target}\`` + (r.when ? ` when \`${a.text.slice(r.when.span.offset, r.when.span.endOffset)}\`` : "");
    }
  }
}

/** The syscall a target selects and the type `args` has under it. */
export function targetArgs(a: Analysis, t: Target): { syscall: string; args: TypeDesc | null } {
  const ast = a.ast;
  switch (t.kind) {
    case "fs": return { syscall: `fs.${t.op}`, args: BUILTIN_ARGS[`fs.${t.op}`] ?? null };
    case "net": return { syscall: "net.fetch", args: BUILTIN_ARGS["net.fetch"] ?? null };
    case "tool": {
      const d = t.name === "*" ? undefined : ast?.tools.find((x) => x.name === t.name);
      return { syscall: "tool.call", args: d ? a.resolve(d.param) : null };
    }
    case "pipe": {
      const d = ast?.pipes.find((x) => x.name === t.name);
      return { syscall: `pipe.${t.op}`, args: d ? a.resolve(d.carries) : null };
    }
    case "any": return { syscall: "*", args: null };
    default: return { syscall: t.kind, args: null };
  }
}
