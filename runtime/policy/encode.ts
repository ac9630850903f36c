// Checks a raw request and writes it into a decision module's linear memory, in one pass, in the
// fixed layout of docs/abi.md. It accepts exactly the requests `prepareRequest` accepts (the
// interpreter's normal form; load.test.ts and the differential fuzz hold the two together): this
// is the host half of every decision, so it allocates nothing per request, runs one checking
// writer closure per declared type (made once per policy), and copies ASCII without TextEncoder.
import { isCanonicalPath } from "../vfs/canonical-path.js";
import { canonicalUrlTarget } from "../net/canonical-url.js";
import type { PolicyShape } from "./prepare.js";
import { SYSCALL_CODE, type TypeDesc } from "./types.js";

/** Checks `v` against a declared type and writes it at `slot`; false when it does not conform. */
type Writer = (slot: number, v: unknown) => boolean;

export const HEADER_SIZE = 72;
/** `conforms` gives up below this nesting depth; the writers agree. */
const MAX_DEPTH = 64;
const utf8 = new TextEncoder();
const hasOwn = Object.prototype.hasOwnProperty;
const {
  "fs.read": FS_READ, "fs.write": FS_WRITE, "fs.list": FS_LIST, "fs.delete": FS_DELETE,
  "tool.call": TOOL_CALL, "net.fetch": NET_FETCH, "pipe.send": PIPE_SEND, "pipe.recv": PIPE_RECV,
} = SYSCALL_CODE;
const CODES: ReadonlyMap<string, number> = new Map(Object.entries(SYSCALL_CODE));

export class RequestEncoder {
  // Every slot is 8-aligned, so typed arrays address it directly; they are little endian because
  // the constructor refuses a big-endian host (WebAssembly memory is little endian).
  private view!: DataView;
  private bytes!: Uint8Array;
  private u32!: Uint32Array;
  private f64!: Float64Array;
  private pos = 0;
  private readonly tools: Map<string, { index: number; write: Writer }>;
  private readonly pipes: Map<string, { index: number; write: Writer }>;
  private readonly fsWriteArgs: Writer;
  private readonly netArgs: Writer;

  constructor(private readonly memory: WebAssembly.Memory, private readonly reqBase: number, shape: PolicyShape) {
    if (new Uint8Array(new Uint32Array([1]).buffer)[0] !== 1) throw new RangeError("decision modules need a little-endian host");
    if (reqBase % 8 !== 0) throw new RangeError(`req_base ${reqBase} is not 8-aligned`);
    this.refresh();
    this.tools = new Map(shape.tools.map((t, index) => [t.name, { index, write: this.writer(t.param, 0) }]));
    this.pipes = new Map(shape.pipes.map((p, index) => [p.name, { index, write: this.writer(p.carries, 0) }]));
    // fs.write args: { size } (finite number); net.fetch: { method, host, port, path, size }.
    this.fsWriteArgs = (slot, a) => {
      if (!a || typeof a !== "object") return false;
      const size = (a as { size?: unknown }).size;
      if (typeof size !== "number" || !Number.isFinite(size)) return false;
      const at = this.reserve(8);
      this.f64[at >> 3] = size;
      this.ptr(slot, at, 0);
      return true;
    };
    this.netArgs = (slot, a) => {
      const u = canonicalUrlTarget(this.netTarget);
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
    };
  }
  private netTarget = "";

  /** A view of linear memory that is valid now (growing memory detaches the old buffer). */
  memoryView(): DataView {
    if (this.bytes.byteLength === 0) this.refresh();
    return this.view;
  }

  /**
   * Writes `request` at req_base. Returns false, having decided nothing, when the request is a
   * violation without a rule (the cases `prepareRequest` fails).
   */
  encode(request: unknown): boolean {
    if (request === null || typeof request !== "object") return false;
    const r = request as Record<string, unknown>;
    const syscall = r.syscall, target = r.target;
    const code = typeof syscall === "string" ? CODES.get(syscall) : undefined;
    if (code === undefined || typeof target !== "string") return false;
    // The module grows its memory itself (scratch for lower() and upper()), detaching our views.
    if (this.bytes.byteLength === 0) this.refresh();
    const R = this.reqBase;
    this.pos = R + HEADER_SIZE;
    this.ensure(0);
    const u32 = this.u32;
    u32[R >> 2] = code;
    u32[(R + 68) >> 2] = 0;
    this.str(R + 8, target);
    if (!this.agent(r.agent)) return false;
    let index = -1;
    let ok: boolean;
    switch (code) {
      case FS_READ: case FS_LIST: case FS_DELETE:
        ok = isCanonicalPath(target);
        this.ptr(R + 56, 0, 0);
        break;
      case FS_WRITE:
        ok = isCanonicalPath(target) && this.fsWriteArgs(R + 56, r.args);
        break;
      case NET_FETCH:
        this.netTarget = target;
        ok = this.netArgs(R + 56, r.args);
        break;
      case TOOL_CALL: case PIPE_SEND: case PIPE_RECV: {
        const entry = (code === TOOL_CALL ? this.tools : this.pipes).get(target);
        ok = entry !== undefined && entry.write(R + 56, r.args);
        if (entry) index = entry.index;
        break;
      }
      default: // spawn, signal, checkpoint: no args
        ok = true;
        this.ptr(R + 56, 0, 0);
    }
    if (!ok) return false;
    this.u32[(R + 4) >> 2] = index;
    this.pos = (this.pos + 7) & ~7;
    this.ensure(0);
    this.u32[(R + 64) >> 2] = this.pos;
    return true;
  }

  /** agent.{id,name,role,tenant} at 16..47 and the labels at 48/52; absent fields read as "". */
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
    this.str(R + 16, id);
    this.str(R + 24, name);
    this.str(R + 32, role);
    this.str(R + 40, tenant);
    if (labels === undefined) { this.ptr(R + 48, 0, 0); return true; }
    if (labels === null || typeof labels !== "object" || Array.isArray(labels)) return false;
    // Counted first with for-in (no key array is allocated; agents usually carry few labels or none).
    const l = labels as Record<string, unknown>;
    let n = 0;
    for (const k in l) if (hasOwn.call(l, k)) n++;
    if (n === 0) { this.ptr(R + 48, 0, 0); return true; }
    const at = this.reserve(n * 16);
    let i = 0;
    for (const k in l) {
      if (!hasOwn.call(l, k)) continue;
      const v = l[k];
      if (typeof v !== "string") return false;
      this.str(at + 16 * i, k);
      this.str(at + 16 * i + 8, v);
      i++;
    }
    this.ptr(R + 48, at, n);
    return true;
  }

  private refresh(): void {
    this.view = new DataView(this.memory.buffer);
    this.u32 = new Uint32Array(this.memory.buffer);
    this.f64 = new Float64Array(this.memory.buffer);
    this.bytes = new Uint8Array(this.memory.buffer);
  }

  private ensure(n: number): void {
    const need = this.pos + n - this.bytes.length;
    if (need > 0) {
      this.memory.grow(Math.ceil(need / 65536) + 1);
      this.refresh();
    }
  }

  /** Reserves n bytes (8-aligned) after everything written so far; returns their address. */
  private reserve(n: number): number {
    this.pos = (this.pos + 7) & ~7;
    this.ensure(n);
    const at = this.pos;
    const bytes = this.bytes;
    if (n <= 64) for (let i = at; i < at + n; i++) bytes[i] = 0;
    else bytes.fill(0, at, at + n);
    this.pos += n;
    return at;
  }

  private ptr(slot: number, lo: number, hi: number): void {
    const u32 = this.u32;
    u32[slot >> 2] = lo;
    u32[(slot >> 2) + 1] = hi;
  }

  /** Writes a string's bytes and stores the packed (address, length) at `slot`. */
  private str(slot: number, s: string): void {
    const n = s.length;
    if (n === 0) { this.ptr(slot, 0, 0); return; }
    this.ensure(n * 3);
    const bytes = this.bytes;
    const at = this.pos;
    let i = 0;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) break;
      bytes[at + i] = c;
    }
    const written = i === n ? n : utf8.encodeInto(s, bytes.subarray(at)).written;
    this.pos = at + written;
    this.ptr(slot, at, written);
  }

  /** Writes the zero value an absent optional field reads as: zero bytes, but a record needs its block. */
  private zeroWriter(t: TypeDesc): (slot: number) => void {
    if (t.t !== "record") return () => undefined; // reserve() already zeroed the slot
    const fields = t.fields.map((f) => this.zeroWriter(f.type));
    return (slot) => {
      const at = this.reserve(fields.length * 8);
      for (let i = 0; i < fields.length; i++) fields[i]!(at + 8 * i);
      this.ptr(slot, at, 0);
    };
  }

  /** The checking writer of a declared type at a nesting depth, as `conforms` would judge it. */
  private writer(t: TypeDesc, depth: number): Writer {
    if (depth > MAX_DEPTH) return () => false;
    switch (t.t) {
      case "number": return (slot, v) => {
        if (typeof v !== "number" || !Number.isFinite(v)) return false;
        this.f64[slot >> 3] = v;
        return true;
      };
      case "bool": return (slot, v) => {
        if (typeof v !== "boolean") return false;
        this.ptr(slot, v ? 1 : 0, 0);
        return true;
      };
      case "string": return (slot, v) => {
        if (typeof v !== "string") return false;
        this.str(slot, v);
        return true;
      };
      case "enum": {
        const values = new Set(t.values);
        return (slot, v) => {
          if (typeof v !== "string" || !values.has(v)) return false;
          this.str(slot, v);
          return true;
        };
      }
      case "array": {
        const elem = this.writer(t.elem, depth + 1);
        const max = t.max;
        return (slot, v) => {
          if (!Array.isArray(v)) return false;
          const n = v.length;
          if (max !== null && n > max) return false;
          const at = this.reserve(n * 8);
          for (let i = 0; i < n; i++) {
            const x: unknown = v[i];
            // A hole (which `every` skips) stays a zero slot.
            if (x === undefined && !(i in v)) continue;
            if (!elem(at + 8 * i, x)) return false;
          }
          this.ptr(slot, at, n);
          return true;
        };
      }
      case "record": {
        const index = new Map(t.fields.map((f, i) => [f.name, i]));
        const names = t.fields.map((f) => f.name);
        const required = t.fields.filter((f) => !f.optional).length;
        const zeros = t.fields.map((f) => (f.optional ? this.zeroWriter(f.type) : null));
        const fields = t.fields.map((f) => this.writer(f.type, depth + 1));
        const n = fields.length;
        // Which fields this call has seen, by a stamp per field: no allocation per request.
        const seen = new Uint32Array(n);
        let stamp = 0;
        return (slot, v) => {
          if (v === null || typeof v !== "object" || Array.isArray(v)) return false;
          const o = v as Record<string, unknown>;
          const at = this.reserve(n * 8);
          const now = (stamp = (stamp + 1) >>> 0 || 1);
          let present = 0, requiredPresent = 0;
          // for-in with hasOwnProperty on its own key is a fast path in V8; inherited keys are not the request's.
          let next = 0;
          for (const k in o) {
            if (!hasOwn.call(o, k)) continue;
            // Requests usually list fields in declaration order: try the next one before the map.
            const i = next < n && names[next] === k ? next : index.get(k);
            if (i === undefined) return false;
            next = i + 1;
            if (!fields[i]!(at + 8 * i, o[k])) return false;
            seen[i] = now;
            present++;
            if (zeros[i] === null) requiredPresent++;
          }
          if (requiredPresent !== required) return false;
          if (present !== n) {
            // Absent optional fields read as their zero value; reserve() zeroed all but records.
            for (let i = 0; i < n; i++) if (seen[i] !== now) zeros[i]!(at + 8 * i);
          }
          this.ptr(slot, at, 0);
          return true;
        };
      }
    }
  }
}
