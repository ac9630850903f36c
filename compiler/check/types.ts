// Resolves declared type expressions into manifest TypeDescs: names looked up, string-literal
// unions turned into enums, recursion and malformed bounds reported.
import type { TypeDecl, TypeExpr } from "../../grammar/ast.js";
import type { TypeDesc } from "../../stdlib/abi/types.js";
import { diag, firstHere, type Diagnostic } from "../../grammar/diagnostics.js";

export class TypeResolver {
  private readonly decls = new Map<string, TypeDecl>();
  private readonly resolved = new Map<string, TypeDesc>();
  private readonly resolving = new Set<string>();

  constructor(decls: readonly TypeDecl[], private readonly out: Diagnostic[]) {
    for (const d of decls) {
      if (this.decls.has(d.name)) out.push(firstHere(diag("E0201", `type \`${d.name}\` is declared twice`, d.span), this.decls.get(d.name)!.span));
      else this.decls.set(d.name, d);
    }
  }

  /** Every declared type, resolved (for the manifest). */
  all(): Record<string, TypeDesc> {
    const r: Record<string, TypeDesc> = {};
    for (const name of this.decls.keys()) { const t = this.named(name); if (t) r[name] = t; }
    return r;
  }

  named(name: string): TypeDesc | null {
    const done = this.resolved.get(name);
    if (done) return done;
    const d = this.decls.get(name);
    if (!d) return null;
    if (this.resolving.has(name)) return null;
    this.resolving.add(name);
    const t = this.resolve(d.type);
    this.resolving.delete(name);
    if (t) this.resolved.set(name, t);
    return t;
  }

  /** Resolves a type expression; reports problems and returns null when it cannot. */
  resolve(t: TypeExpr): TypeDesc | null {
    switch (t.kind) {
      case "prim": return { t: t.name };
      case "lit": return { t: "enum", values: [t.value] };
      case "ref": {
        if (!this.decls.has(t.name)) { this.out.push(diag("E0202", `unknown type \`${t.name}\``, t.span)); return null; }
        if (this.resolving.has(t.name)) { this.out.push(diag("E0207", `type \`${t.name}\` refers to itself`, t.span)); return null; }
        return this.named(t.name);
      }
      case "union": {
        const values: string[] = [];
        for (const m of t.members) {
          const r = this.resolve(m);
          if (!r) return null;
          if (r.t !== "enum") { this.out.push(diag("E0301", "a union may only combine string literals", m.span)); return null; }
          for (const v of r.values) if (!values.includes(v)) values.push(v);
        }
        return { t: "enum", values };
      }
      case "record": {
        const fields: { name: string; optional: boolean; type: TypeDesc }[] = [];
        let okAll = true;
        for (const f of t.fields) {
          if (fields.some((g) => g.name === f.name)) { this.out.push(diag("E0209", `field \`${f.name}\` is declared twice`, f.span)); okAll = false; continue; }
          const ft = this.resolve(f.type);
          if (!ft) { okAll = false; continue; }
          fields.push({ name: f.name, optional: f.optional, type: ft });
        }
        return okAll ? { t: "record", fields } : null;
      }
      case "array": {
        const elem = this.resolve(t.elem);
        if (t.max !== null && !(Number.isInteger(t.max) && t.max >= 0 && t.max <= 1_000_000)) {
          this.out.push(diag("E0503", `a list bound must be a whole number from 0 to 1000000, not ${t.max}`, t.span));
          return null;
        }
        return elem ? { t: "array", elem, max: t.max } : null;
      }
    }
  }
}

export function typeToString(t: TypeDesc | { t: "ip" }): string {
  switch (t.t) {
    case "number": case "string": case "bool": return t.t;
    case "ip": return "ip address";
    case "enum": return t.values.map((v) => JSON.stringify(v)).join(" | ");
    case "array": return `${typeToString(t.elem)}[]${t.max === null ? "" : ` max ${t.max}`}`;
    case "record": return `{ ${t.fields.map((f) => `${f.name}${f.optional ? "?" : ""}: ${typeToString(f.type)}`).join(", ")} }`;
  }
}
