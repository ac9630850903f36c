// Checks a raw request and writes it into a decision module's linear memory, in one pass, in the
// fixed layout of docs/abi.md. It accepts exactly the requests `prepareRequest` accepts (the
// interpreter's normal form; encode.test.ts and the differential fuzz hold the two together): this
// is the host half of every decision, so it allocates nothing per request, walks a tree of type
// nodes made once per policy with one function (no closure per type, so no call site in it sees
// more than one target), compares field names interned once per policy (pointer equality with the
// keys for-in yields), and copies ASCII without TextEncoder, checking a path as it copies it.
import { isCanonicalPath, MAX_PATH_BYTES } from "./canonical-path.js";
import { canonicalUrlTarget } from "./canonical-url.js";
import { isWellFormed } from "../utf8.js";
import type { PolicyShape } from "./prepare.js";
import { AGENT_READS, SYSCALL_CODE, type AgentRead, type TypeDesc } from "./types.js";

export const HEADER_SIZE = 72;
/** A request is written below this address or not at all (a violation): offsets stay in int32 range. */
const MAX_END = 2 ** 30;
/** `conforms` gives up below this nesting depth; the type nodes agree. */
const MAX_DEPTH = 64;
const utf8 = new TextEncoder();
const hasOwn = Object.prototype.hasOwnProperty;
const {
  "fs.read": FS_READ, "fs.write": FS_WRITE, "fs.list": FS_LIST, "fs.delete": FS_DELETE,
  "tool.call": TOOL_CALL, "net.fetch": NET_FETCH, "pipe.send": PIPE_SEND, "pipe.recv": PIPE_RECV,
} = SYSCALL_CODE;
/** Syscall codes by name, prototype-less (a keyed load is cheaper than a `Map` lookup). */
const CODES: Readonly<Record<string, number | undefined>> = Object.assign(Object.create(null), SYSCALL_CODE);

// Node kinds. `NEVER` stands for a type nested deeper than `conforms` looks: nothing conforms to it.
const NUMBER = 0, STRING = 1, BOOL = 2, ENUM = 3, RECORD = 4, ARRAY = 5, NEVER = 6;
const KIND: Readonly<Record<TypeDesc["t"], number>> = { number: NUMBER, string: STRING, bool: BOOL, enum: ENUM, record: RECORD, array: ARRAY };

/**
 * One declared type, checked and written by `RequestEncoder.value`. Every node has every field,
 * so the walker's loads see one object shape whatever the type. A request touches the nodes of its
 * own type only, so a policy of thousands of types must keep each small and few: scalar nodes are
 * shared, and a record keeps no per-field state.
 */
class TypeNode {
  // The fields a record's walk reads come first: most nodes are then read in one cache line.
  readonly kind: number;
  /** record: true (an absent optional field of a record type still reads as a block of zero values). */
  record = false;
  /** record: its fields in declaration order, name and node alternating (one array to read). */
  fields: readonly (string | TypeNode)[] = [];
  /** record: whether a field may be absent (so its block must be zeroed before it is written), and
   * which of the first 32 are optional (a bit each); `optional` holds the rest. */
  hasOptional = false;
  optionalBits = 0;
  /** A declared tool's or pipe's own node: its target index (-1 for any other node). */
  target = -1;
  optional: readonly boolean[] | null = null;
  /** record: field positions by name, for fields out of declaration order; made when first needed
   * (allocated with the node, it would sit between the nodes a walk reads). */
  index: ReadonlyMap<string, number> | null = null;

  fieldAt(name: string): number | undefined {
    if (this.index === null) {
      const index = new Map<string, number>();
      for (let i = 0; i < this.fields.length; i += 2) index.set(this.fields[i] as string, i >> 1);
      this.index = index;
    }
    return this.index.get(name);
  }
  /** record: which fields past the 32nd the current call has seen, by a stamp per field (no
   * allocation per request; the first 32 are a bit mask in a local). */
  seen: Uint32Array | null = null;
  stamp = 0;
  /** enum: the allowed values. */
  values: ReadonlySet<string> | null = null;
  /** array: the element type and `max` (-1 for none). */
  elem: TypeNode | null = null;
  max = -1;

  constructor(kind: number) { this.kind = kind; }

  /** The node of `t` at nesting `depth`. Deeper than `conforms` looks, nothing conforms (NEVER), but
   * a record keeps its fields, since an absent optional field still needs its zero block. Scalars
   * share one node each, but for a tool's or pipe's own (`target` ≥ 0). */
  static of(t: TypeDesc, depth: number, target = -1): TypeNode {
    const kind = depth > MAX_DEPTH ? NEVER : KIND[t.t];
    if (target < 0 && (t.t === "number" || t.t === "string" || t.t === "bool")) return SCALARS[kind]!;
    const n = new TypeNode(kind);
    n.target = target;
    switch (t.t) {
      case "enum":
        n.values = new Set(t.values);
        break;
      case "array":
        n.elem = TypeNode.of(t.elem, depth + 1);
        n.max = t.max ?? -1;
        break;
      case "record": {
        const fields: (string | TypeNode)[] = [];
        for (const f of t.fields) fields.push(intern(f.name), TypeNode.of(f.type, depth + 1));
        n.record = true;
        n.fields = fields;
        n.hasOptional = t.fields.some((f) => f.optional);
        t.fields.forEach((f, i) => { if (f.optional && i < 32) n.optionalBits |= 1 << i; });
        if (t.fields.length > 32) {
          n.optional = t.fields.map((f) => f.optional);
          n.seen = new Uint32Array(t.fields.length - 32);
        }
        break;
      }
    }
    return n;
  }
}

/** The one node of each scalar kind (and of a scalar nested too deep), shared by every type. */
const SCALARS: readonly TypeNode[] = [NUMBER, STRING, BOOL, ENUM, RECORD, ARRAY, NEVER].map((k) => new TypeNode(k));

/**
 * The same string, internalized: a property key is, so the keys for-in yields compare with it by
 * pointer. Names parsed out of a manifest's JSON values are not, and each comparison would then
 * compare characters.
 */
function intern(s: string): string {
  return Object.keys({ [s]: 0 })[0] ?? s;
}

/** Declared names to their argument types' nodes (which carry the target index), as a
 * prototype-less dictionary: a keyed load of a request's target string is cheaper than a `Map`
 * lookup, which compares the strings' characters. */
function declared(list: readonly { name: string }[], type: (i: number) => TypeDesc): Record<string, TypeNode | undefined> {
  const d = Object.create(null) as Record<string, TypeNode | undefined>;
  list.forEach((x, index) => { d[x.name] = TypeNode.of(type(index), 0, index); });
  return d;
}

export class RequestEncoder {
  // Every slot is 8-aligned, so typed arrays address it directly; they are little endian because
  // the constructor refuses a big-endian host (WebAssembly memory is little endian).
  private bytes!: Uint8Array;
  private u32!: Uint32Array;
  private f64!: Float64Array;
  /** The next free byte, and the end of linear memory as last seen. */
  private pos = 0;
  private end = 0;
  /** Set when a string written for this request had a lone surrogate (no UTF-8 form): a violation. */
  private malformed = false;
  private readonly tools: Record<string, TypeNode | undefined>;
  private readonly pipes: Record<string, TypeNode | undefined>;
  /** Which agent fields the module reads; the others are checked but left empty. */
  private readonly reads: { id: boolean; name: boolean; role: boolean; tenant: boolean; labels: boolean };

  constructor(private readonly memory: WebAssembly.Memory, private readonly reqBase: number, shape: PolicyShape, agentReads: readonly AgentRead[] = AGENT_READS) {
    if (new Uint8Array(new Uint32Array([1]).buffer)[0] !== 1) throw new RangeError("decision modules need a little-endian host");
    if (reqBase % 8 !== 0) throw new RangeError(`req_base ${reqBase} is not 8-aligned`);
    this.refresh();
    this.tools = declared(shape.tools, (i) => shape.tools[i]!.param);
    this.pipes = declared(shape.pipes, (i) => shape.pipes[i]!.carries);
    const r = new Set(agentReads);
    this.reads = { id: r.has("id"), name: r.has("name"), role: r.has("role"), tenant: r.has("tenant"), labels: r.has("labels") };
  }

  /** The u32 at a 4-aligned address of linear memory, as it is now (growing memory detaches the
   * old buffer). */
  word(addr: number): number {
    if (this.bytes.byteLength === 0) this.refresh();
    return this.u32[addr >> 2]!;
  }

  /**
   * Writes `request` at req_base. Returns false, having decided nothing, when the request is a
   * violation without a rule (the cases `prepareRequest` fails).
   */
  encode(request: unknown): boolean {
    if (request === null || typeof request !== "object") return false;
    const r = request as Record<string, unknown>;
    const syscall = r.syscall, target = r.target;
    const code = typeof syscall === "string" ? CODES[syscall] : undefined;
    if (code === undefined || typeof target !== "string") return false;
    // The module grows its memory itself (scratch for lower() and upper()), detaching our views.
    if (this.bytes.byteLength === 0) this.refresh();
    const R = this.reqBase;
    this.pos = R + HEADER_SIZE;
    this.malformed = false;
    this.ensure(0);
    const u32 = this.u32;
    u32[R >> 2] = code;
    u32[(R + 68) >> 2] = 0;
    const fs = code === FS_READ || code === FS_LIST || code === FS_DELETE || code === FS_WRITE;
    if (fs) { if (!this.path(R + 8, target)) return false; } else this.str(R + 8, target);
    if (!this.agent(r.agent)) return false;
    let index = -1;
    let ok: boolean;
    switch (code) {
      case FS_READ: case FS_LIST: case FS_DELETE:
        ok = true;
        this.ptr(R + 56, 0, 0);
        break;
      case FS_WRITE:
        ok = this.fsWriteArgs(R + 56, r.args);
        break;
      case NET_FETCH:
        ok = this.netArgs(R + 56, target, r.args);
        break;
      case TOOL_CALL: case PIPE_SEND: case PIPE_RECV: {
        const entry = (code === TOOL_CALL ? this.tools : this.pipes)[target];
        if (entry === undefined) return false;
        ok = this.value(entry, R + 56, r.args);
        index = entry.target;
        break;
      }
      default: // spawn, signal, checkpoint: no args
        ok = true;
        this.ptr(R + 56, 0, 0);
    }
    if (!ok || this.malformed) return false;
    this.u32[(R + 4) >> 2] = index;
    this.pos = (this.pos + 7) & ~7;
    this.ensure(0);
    this.u32[(R + 64) >> 2] = this.pos;
    return true;
  }

  /**
   * agent.{id,name,role,tenant} at 16..47 and the labels at 48/52; absent fields read as "". All are
   * checked; those the module never reads are left empty rather than copied.
   */
  private agent(a: unknown): boolean {
    const R = this.reqBase;
    if (a === undefined || a === null) {
      for (let off = 16; off < 56; off += 8) this.ptr(R + off, 0, 0);
      return true;
    }
    if (typeof a !== "object" || Array.isArray(a)) return false;
    const o = a as Record<string, unknown>;
    const { id = "", name = "", role = "", tenant = "", labels } = o;
    if (typeof id !== "string" || typeof name !== "string" || typeof role !== "string" || typeof tenant !== "string") return false;
    const reads = this.reads;
    // What is written is checked for lone surrogates as it is written; what is not, here.
    if (reads.id) this.str(R + 16, id); else if (isWellFormed(id)) this.ptr(R + 16, 0, 0); else return false;
    if (reads.name) this.str(R + 24, name); else if (isWellFormed(name)) this.ptr(R + 24, 0, 0); else return false;
    if (reads.role) this.str(R + 32, role); else if (isWellFormed(role)) this.ptr(R + 32, 0, 0); else return false;
    if (reads.tenant) this.str(R + 40, tenant); else if (isWellFormed(tenant)) this.ptr(R + 40, 0, 0); else return false;
    if (labels === undefined) { this.ptr(R + 48, 0, 0); return true; }
    if (labels === null || typeof labels !== "object" || Array.isArray(labels)) return false;
    // Counted first with for-in (no key array is allocated; agents usually carry few labels or none).
    const l = labels as Record<string, unknown>;
    let n = 0;
    for (const k in l) {
      if (!hasOwn.call(l, k)) continue;
      const v = l[k];
      if (typeof v !== "string" || !isWellFormed(v) || !isWellFormed(k)) return false;
      n++;
    }
    if (n === 0 || !reads.labels) { this.ptr(R + 48, 0, 0); return true; }
    const at = this.reserve(n * 16);
    let i = 0;
    for (const k in l) {
      if (!hasOwn.call(l, k)) continue;
      this.str(at + 16 * i, k);
      this.str(at + 16 * i + 8, l[k] as string);
      i++;
    }
    this.ptr(R + 48, at, n);
    return true;
  }

  /** Checks `v` against a declared type and writes it at `slot`; false when it does not conform. */
  private value(t: TypeNode, slot: number, v: unknown): boolean {
    switch (t.kind) {
      case NUMBER:
        if (typeof v !== "number" || !Number.isFinite(v)) return false;
        this.f64[slot >> 3] = v;
        return true;
      case STRING:
        if (typeof v !== "string") return false;
        this.str(slot, v);
        return true;
      case BOOL:
        if (typeof v !== "boolean") return false;
        this.ptr(slot, v ? 1 : 0, 0);
        return true;
      case ENUM:
        if (typeof v !== "string" || !t.values!.has(v)) return false;
        this.str(slot, v);
        return true;
      case RECORD: return this.record(t, slot, v);
      case ARRAY: {
        if (!Array.isArray(v)) return false;
        const n = v.length;
        if (t.max >= 0 && n > t.max) return false;
        const at = this.reserve(n * 8);
        const elem = t.elem!;
        for (let i = 0; i < n; i++) {
          const x: unknown = v[i];
          // A hole is no value of any type (conforms refuses it too).
          if (x === undefined && !(i in v)) return false;
          if (!this.value(elem, at + 8 * i, x)) return false;
        }
        this.ptr(slot, at, n);
        return true;
      }
      default:
        return false;
    }
  }

  private record(t: TypeNode, slot: number, v: unknown): boolean {
    if (v === null || typeof v !== "object" || Array.isArray(v)) return false;
    const o = v as Record<string, unknown>;
    const fields = t.fields, n = fields.length >> 1;
    // A record without optional fields has every slot written below, or is refused: no zeroing.
    const at = t.hasOptional ? this.reserve(n * 8) : this.reserveDirty(n * 8);
    const seen = t.seen;
    const now = seen === null ? 0 : (t.stamp = (t.stamp + 1) >>> 0 || 1);
    let present = 0, mask = 0;
    // for-in with hasOwnProperty on its own key is a fast path in V8; inherited keys are not the request's.
    let next = 0;
    for (const k in o) {
      if (!hasOwn.call(o, k)) continue;
      // Requests usually list fields in declaration order: try the next one before the map.
      const i = next < n && fields[2 * next] === k ? next : t.fieldAt(k);
      if (i === undefined) return false;
      next = i + 1;
      // Scalars inline (value() and record() recurse into each other, so they are not inlined).
      const kid = fields[2 * i + 1] as TypeNode, x = o[k], to = at + 8 * i;
      switch (kid.kind) {
        case NUMBER:
          if (typeof x !== "number" || !Number.isFinite(x)) return false;
          this.f64[to >> 3] = x;
          break;
        case STRING:
          if (typeof x !== "string") return false;
          this.str(to, x);
          break;
        default:
          if (!this.value(kid, to, x)) return false;
      }
      present++;
      if (i < 32) mask |= 1 << i;
      else seen![i - 32] = now;
    }
    // An absent field must be optional, and reads as its zero value (reserve() zeroed all but
    // records). A field for-in did not see but the object owns is non-enumerable: refused, as
    // conforms does.
    if (present !== n) {
      for (let i = 0; i < n; i++) {
        if (i < 32 ? (mask >>> i) & 1 : seen![i - 32] === now) continue;
        const optional = i < 32 ? (t.optionalBits >>> i) & 1 : t.optional![i];
        if (!optional || hasOwn.call(o, fields[2 * i] as string)) return false;
        this.zero(fields[2 * i + 1] as TypeNode, at + 8 * i);
      }
    }
    this.ptr(slot, at, 0);
    return true;
  }

  /** The zero value an absent optional field reads as: zero bytes, but a record needs its block. */
  private zero(t: TypeNode, slot: number): void {
    if (!t.record) return; // reserve() already zeroed the slot
    const n = t.fields.length >> 1;
    const at = this.reserve(n * 8);
    for (let i = 0; i < n; i++) this.zero(t.fields[2 * i + 1] as TypeNode, at + 8 * i);
    this.ptr(slot, at, 0);
  }

  private fsWriteArgs(slot: number, a: unknown): boolean {
    // prepareRequest reads `size` and ignores other keys: only the size is checked and written.
    if (!a || typeof a !== "object") return false;
    const size = (a as { size?: unknown }).size;
    if (typeof size !== "number" || !Number.isFinite(size)) return false;
    const at = this.reserve(8);
    this.f64[at >> 3] = size;
    this.ptr(slot, at, 0);
    return true;
  }

  /** net.fetch args: { method, host, port, path, size }, the URL's parts taken from the target. */
  private netArgs(slot: number, target: string, a: unknown): boolean {
    const u = canonicalUrlTarget(target);
    if (!u || !a || typeof a !== "object") return false;
    const { method, size = 0 } = a as { method?: unknown; size?: unknown };
    if (typeof method !== "string" || typeof size !== "number" || !Number.isFinite(size)) return false;
    const at = this.reserve(40);
    this.str(at, method);
    this.str(at + 8, u.host);
    this.f64[(at + 16) >> 3] = u.port;
    this.str(at + 24, u.path);
    this.f64[(at + 32) >> 3] = size;
    this.ptr(slot, at, 0);
    return true;
  }

  private refresh(): void {
    this.u32 = new Uint32Array(this.memory.buffer);
    this.f64 = new Float64Array(this.memory.buffer);
    this.bytes = new Uint8Array(this.memory.buffer);
    this.end = this.bytes.length;
  }

  /** Makes room for n more bytes at `pos`. */
  private ensure(n: number): void {
    if (this.pos + n > this.end) this.grow(this.pos + n);
  }

  /** Grows linear memory to hold everything below `end`; throws (decide() then decides the
   * violation) for a request that would pass MAX_END. */
  private grow(end: number): void {
    if (end > MAX_END) throw new RangeError("the request is too large to decide");
    this.memory.grow(Math.ceil((end - this.end) / 65536) + 1);
    this.refresh();
  }

  /** Reserves n bytes (8-aligned) after everything written so far, not zeroed: for slots that are
   * all written. Returns their address. */
  private reserveDirty(n: number): number {
    const at = (this.pos + 7) & ~7;
    this.pos = at + n;
    if (this.pos > this.end) this.grow(this.pos);
    return at;
  }

  /** Reserves n bytes (8-aligned) after everything written so far; returns their address. */
  private reserve(n: number): number {
    const at = (this.pos + 7) & ~7;
    this.pos = at + n;
    if (this.pos > this.end) this.grow(this.pos);
    const u32 = this.u32;
    // n is a multiple of 8: zero it a word at a time.
    for (let i = at >> 2, e = (at + n) >> 2; i < e; i++) u32[i] = 0;
    return at;
  }

  private ptr(slot: number, lo: number, hi: number): void {
    const u32 = this.u32;
    u32[slot >> 2] = lo;
    u32[(slot >> 2) + 1] = hi;
  }

  /**
   * Writes an fs target like `str`, checking as it copies that it is canonical (isCanonicalPath):
   * absolute, no empty, `.` or `..` segment, no trailing `/`, no NUL. A path with a non-ASCII
   * character, or past MAX_PATH_BYTES, takes the full check. False when
   * it is not canonical (a violation).
   */
  private path(slot: number, s: string): boolean {
    const n = s.length;
    if (n === 0 || n > MAX_PATH_BYTES || s.charCodeAt(0) !== 0x2f) {
      if (!isCanonicalPath(s)) return false;
      this.str(slot, s);
      return true;
    }
    const at = this.pos;
    if (at + n > this.end) this.grow(at + n);
    const bytes = this.bytes;
    bytes[at] = 0x2f;
    // seg: where the current segment starts; dots: how many of its characters so far are all `.`.
    let seg = 1, dots = 0;
    for (let i = 1; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) {
        if (!isCanonicalPath(s)) return false;
        this.str(slot, s);
        return true;
      }
      if (c === 0x2f) {
        if (i === seg || (dots === i - seg && dots <= 2)) return false; // `//`, or a `.` or `..` segment
        seg = i + 1;
        dots = 0;
      } else if (c === 0x2e) {
        if (dots === i - seg) dots++;
      } else if (c === 0) return false;
      bytes[at + i] = c;
    }
    // A trailing `/`, or a last segment `.` or `..` (three dots or more are a name).
    if (n > 1 && (seg === n || (dots === n - seg && dots <= 2))) return false;
    this.pos = at + n;
    this.ptr(slot, at, n);
    return true;
  }

  /** Writes a string's bytes and stores the packed (address, length) at `slot`. */
  private str(slot: number, s: string): void {
    const n = s.length;
    if (n === 0) { this.ptr(slot, 0, 0); return; }
    const at = this.pos;
    if (at + 3 * n > this.end) this.grow(at + 3 * n);
    const bytes = this.bytes;
    let i = 0;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) break;
      bytes[at + i] = c;
    }
    let written = n;
    if (i !== n) {
      if (!isWellFormed(s)) this.malformed = true;
      written = utf8.encodeInto(s, bytes.subarray(at)).written;
    }
    this.pos = at + written;
    this.ptr(slot, at, written);
  }
}
