// Strict structural check of a JSON value against a declared type. Requests are checked before
// any decision: an ill-typed request is a violation, so a decision never meets an ill-typed value.
import { isWellFormed } from "../utf8.js";
import type { TypeDesc } from "./types.js";

const hasOwn = Object.prototype.hasOwnProperty, isEnumerable = Object.prototype.propertyIsEnumerable;

/**
 * Strict structural check of a request value against a declared type. Also refused: strings with a
 * lone surrogate, arrays with holes, and a declared field that is an own but non-enumerable property
 * (a request's fields are its own enumerable string keys, as JSON would carry them).
 */
export function conforms(t: TypeDesc, v: unknown, depth = 0): boolean {
  if (depth > 64) return false;
  switch (t.t) {
    case "number": return typeof v === "number" && Number.isFinite(v);
    // A lone surrogate has no UTF-8 form: the module would see U+FFFD, where two different strings meet.
    case "string": return typeof v === "string" && isWellFormed(v);
    case "bool": return typeof v === "boolean";
    case "enum": return typeof v === "string" && t.values.includes(v);
    case "array": {
      if (!Array.isArray(v) || (t.max !== null && v.length > t.max)) return false;
      for (let i = 0; i < v.length; i++) if (!(i in v) || !conforms(t.elem, v[i], depth + 1)) return false;
      return true;
    }
    case "record": {
      if (v === null || typeof v !== "object" || Array.isArray(v)) return false;
      const obj = v as Record<string, unknown>;
      for (const k of Object.keys(obj)) if (!t.fields.some((f) => f.name === k)) return false;
      for (const f of t.fields) {
        if (!hasOwn.call(obj, f.name)) { if (!f.optional) return false; continue; }
        if (!isEnumerable.call(obj, f.name)) return false;
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
