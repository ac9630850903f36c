// Strict structural check of a JSON value against a declared type. Requests are checked before
// any decision: an ill-typed request is a violation, so a decision never meets an ill-typed value.
import type { TypeDesc } from "./types.js";

export function conforms(t: TypeDesc, v: unknown, depth = 0): boolean {
  if (depth > 64) return false;
  switch (t.t) {
    case "number": return typeof v === "number" && Number.isFinite(v);
    case "string": return typeof v === "string";
    case "bool": return typeof v === "boolean";
    case "enum": return typeof v === "string" && t.values.includes(v);
    case "array":
      return Array.isArray(v) && (t.max === null || v.length <= t.max) && v.every((x) => conforms(t.elem, x, depth + 1));
    case "record": {
      if (v === null || typeof v !== "object" || Array.isArray(v)) return false;
      const obj = v as Record<string, unknown>;
      for (const k of Object.keys(obj)) if (!t.fields.some((f) => f.name === k)) return false;
      for (const f of t.fields) {
        if (!Object.prototype.hasOwnProperty.call(obj, f.name)) { if (!f.optional) return false; continue; }
        if (!conforms(f.type, obj[f.name], depth + 1)) return false;
      }
      return true;
    }
  }
}

/** The value an absent optional field reads as. */
export function zeroValue(t: TypeDesc): unknown {
  switch (t.t) {
    case "number": return 0;
    case "string": case "enum": return "";
    case "bool": return false;
    case "array": return [];
    case "record": return Object.fromEntries(t.fields.map((f) => [f.name, zeroValue(f.type)]));
  }
}
