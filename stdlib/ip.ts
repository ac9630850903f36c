// IP addresses and CIDRs for `ip(x).inCidr("…")`: the interpreter's semantics and the compiler's
// parser for CIDR literals (docs/reference.md). The WASM lowering reimplements the same rules.

export interface IpAddr { family: 4 | 6; bytes: Uint8Array }
export interface Cidr extends IpAddr { prefix: number }

const DEC_PART = /^(0|[1-9][0-9]{0,2})$/;

export function parseIpv4(s: string): Uint8Array | null {
  const parts = s.split(".");
  if (parts.length !== 4) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i]!;
    if (!DEC_PART.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    out[i] = n;
  }
  return out;
}

export function parseIpv6(s: string): Uint8Array | null {
  if (s.length === 0 || s.includes("%")) return null;
  const halves = s.split("::");
  if (halves.length > 2) return null;
  const parseGroups = (h: string): number[] | null => {
    if (h === "") return [];
    const gs = h.split(":");
    const out: number[] = [];
    for (let i = 0; i < gs.length; i++) {
      const g = gs[i]!;
      if (i === gs.length - 1 && g.includes(".")) {
        const v4 = parseIpv4(g);
        if (!v4) return null;
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
        continue;
      }
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const head = parseGroups(halves[0]!);
  if (!head) return null;
  let groups: number[];
  if (halves.length === 2) {
    const tail = parseGroups(halves[1]!);
    if (!tail) return null;
    // An IPv4 tail is only allowed at the very end.
    if (halves[0]!.includes(".")) return null;
    if (head.length + tail.length > 7) return null;
    groups = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  } else {
    if (head.length !== 8) return null;
    groups = head;
  }
  const bytes = new Uint8Array(16);
  groups.forEach((g, i) => { bytes[2 * i] = g >> 8; bytes[2 * i + 1] = g & 0xff; });
  return bytes;
}

export function parseIp(s: string): IpAddr | null {
  if (typeof s !== "string") return null;
  const v4 = parseIpv4(s);
  if (v4) return { family: 4, bytes: v4 };
  const v6 = s.includes(":") ? parseIpv6(s) : null;
  return v6 ? { family: 6, bytes: v6 } : null;
}

export function parseCidr(s: string): Cidr | null {
  const slash = s.indexOf("/");
  if (slash < 0) return null;
  const ip = parseIp(s.slice(0, slash));
  const pre = s.slice(slash + 1);
  if (!ip || !/^(0|[1-9][0-9]{0,2})$/.test(pre)) return null;
  const prefix = Number(pre);
  if (prefix > (ip.family === 4 ? 32 : 128)) return null;
  return { ...ip, prefix };
}

export function inCidr(ip: IpAddr | null, c: Cidr): boolean {
  if (!ip || ip.family !== c.family) return false;
  let bits = c.prefix;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((ip.bytes[i]! & mask) !== (c.bytes[i]! & mask)) return false;
  }
  return true;
}
