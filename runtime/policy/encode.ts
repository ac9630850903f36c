// Writes a prepared request into a decision module's linear memory in the fixed layout of
// docs/abi.md. No JSON is parsed on the module side; strings are UTF-8, slots are 8 bytes.
import type { Prepared } from "./prepare.js";
import { zeroValue } from "./conforms.js";
import { SYSCALL_CODE, BUILTIN_ARGS, type TypeDesc, type Syscall } from "./types.js";

type Ok = Extract<Prepared, { ok: true }>;

export const HEADER_SIZE = 72;
const utf8 = new TextEncoder();

export class RequestEncoder {
  private view!: DataView;
  private bytes!: Uint8Array;
  private pos = 0;

  constructor(
    private readonly memory: WebAssembly.Memory,
    private readonly reqBase: number,
    private readonly argsTypeOf: (syscall: Syscall, targetIndex: number) => TypeDesc | null,
  ) {
    this.refresh();
  }

  private refresh(): void {
    this.view = new DataView(this.memory.buffer);
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
    this.bytes.fill(0, at, at + n);
    this.pos += n;
    return at;
  }

  /** Writes a string's bytes and stores the packed (address, length) at `slot`. */
  private str(slot: number, s: string): void {
    if (s.length === 0) { this.view.setBigUint64(slot, 0n, true); return; }
    this.ensure(s.length * 3);
    const at = this.pos;
    const { written } = utf8.encodeInto(s, this.bytes.subarray(at));
    this.pos += written;
    this.view.setUint32(slot, at, true);
    this.view.setUint32(slot + 4, written, true);
  }

  encode(p: Ok): void {
    // The module grows its memory itself (scratch for lower() and upper()), detaching our views.
    if (this.bytes.buffer !== this.memory.buffer) this.refresh();
    const R = this.reqBase;
    this.pos = R + HEADER_SIZE;
    this.ensure(0);
    this.bytes.fill(0, R, R + HEADER_SIZE);
    this.view.setInt32(R, SYSCALL_CODE[p.syscall], true);
    this.view.setInt32(R + 4, p.targetIndex, true);
    this.str(R + 8, p.target);
    this.str(R + 16, p.agent.id);
    this.str(R + 24, p.agent.name);
    this.str(R + 32, p.agent.role);
    this.str(R + 40, p.agent.tenant);
    const keys = Object.keys(p.agent.labels);
    const labels = this.reserve(keys.length * 16);
    keys.forEach((k, i) => { this.str(labels + 16 * i, k); this.str(labels + 16 * i + 8, p.agent.labels[k]!); });
    this.view.setUint32(R + 48, labels, true);
    this.view.setUint32(R + 52, keys.length, true);
    const t = this.argsTypeOf(p.syscall, p.targetIndex);
    if (t) this.value(R + 56, t, p.args);
    this.pos = (this.pos + 7) & ~7;
    this.view.setUint32(R + 64, this.pos, true);
  }

  private value(slot: number, t: TypeDesc, v: unknown): void {
    switch (t.t) {
      case "number": this.view.setFloat64(slot, v as number, true); return;
      case "bool": this.view.setUint32(slot, v ? 1 : 0, true); return;
      case "string": case "enum": this.str(slot, v as string); return;
      case "array": {
        const xs = v as unknown[];
        const at = this.reserve(xs.length * 8);
        xs.forEach((x, i) => this.value(at + 8 * i, t.elem, x));
        this.view.setUint32(slot, at, true);
        this.view.setUint32(slot + 4, xs.length, true);
        return;
      }
      case "record": {
        const o = v as Record<string, unknown>;
        const at = this.reserve(t.fields.length * 8);
        t.fields.forEach((f, i) => {
          const has = Object.prototype.hasOwnProperty.call(o, f.name);
          this.value(at + 8 * i, f.type, has ? o[f.name] : zeroValue(f.type));
        });
        this.view.setUint32(slot, at, true);
        return;
      }
    }
  }
}

/** The args type the encoder lays out for a syscall and target, per the manifest. */
export function argsTypeFor(
  tools: readonly { param: TypeDesc }[], pipes: readonly { carries: TypeDesc }[],
): (syscall: Syscall, targetIndex: number) => TypeDesc | null {
  return (syscall, i) => {
    if (syscall === "tool.call") return tools[i]!.param;
    if (syscall === "pipe.send" || syscall === "pipe.recv") return pipes[i]!.carries;
    return BUILTIN_ARGS[syscall] ?? null;
  };
}
