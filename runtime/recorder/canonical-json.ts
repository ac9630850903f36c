// The one byte-exact form records are hashed and stored in, so any reader can recompute a hash:
// keys sorted by UTF-16 code units, no whitespace, numbers and strings exactly as JSON.stringify
// writes them (RFC 8785 / JCS for every value a record holds).

export class CanonicalJsonError extends Error {
  readonly code = "ENOTJSON";
  constructor(message: string) {
    super(message);
    this.name = "CanonicalJsonError";
  }
}

/** Text that is already canonical JSON, written verbatim: a value serialized once (args, for their digest) is embedded without a second pass. */
export class CanonicalText {
  constructor(readonly text: string) {}
}

/** Canonical JSON of `value`; throws CanonicalJsonError for what JSON cannot hold (cycles, bigint, a bare undefined). */
export function canonicalJson(value: unknown): string {
  const out = write(value, "", []);
  if (out === undefined) throw new CanonicalJsonError(`${typeof value} has no JSON form`);
  return out;
}

// Mirrors JSON.stringify: undefined, functions and symbols vanish from objects and become null in
// arrays; toJSON is honoured; non-finite numbers become null. `open` holds the objects being
// written, to refuse cycles (an array: records nest a few levels at most).
function write(value: unknown, key: string, open: object[]): string | undefined {
  switch (typeof value) {
    case "string": return JSON.stringify(value);
    case "number": return Number.isFinite(value) ? String(value) : "null"; // the same digits as JSON.stringify
    case "boolean": return value ? "true" : "false";
    case "bigint": throw new CanonicalJsonError("a bigint has no JSON form");
    case "undefined": case "function": case "symbol": return undefined;
  }
  if (value === null) return "null";
  if (value instanceof CanonicalText) return value.text;
  if (typeof (value as { toJSON?: unknown }).toJSON === "function") return write((value as { toJSON(k: string): unknown }).toJSON(key), key, open);
  const obj = value as object;
  if (open.includes(obj)) throw new CanonicalJsonError("a cyclic value has no JSON form");
  open.push(obj);
  let out: string;
  if (Array.isArray(obj)) {
    out = "[";
    for (let i = 0; i < obj.length; i++) out += (i ? "," : "") + (write(obj[i], String(i), open) ?? "null");
    out += "]";
  } else {
    const rec = obj as Record<string, unknown>;
    out = "";
    for (const k of Object.keys(rec).sort()) {
      const v = write(rec[k], k, open);
      if (v !== undefined) out += (out ? "," : "") + quotedKey(k) + ":" + v;
    }
    out = "{" + out + "}";
  }
  open.pop();
  return out;
}

/** Record keys repeat on every record: quote each once (bounded, so hostile args cannot grow it). */
const quoted = new Map<string, string>();
export function quotedKey(k: string): string {
  let q = quoted.get(k);
  if (q === undefined) {
    q = JSON.stringify(k);
    if (quoted.size < 4096) quoted.set(k, q);
  }
  return q;
}
