// `limit TARGET N per WINDOW` declarations, enforced by the kernel per agent over sliding windows
// (decide is stateless). An allowed call past a limit is a violation: the policy's on-violation
// effect applies instead, with no rule.
import { parseGlob, globRegexSource } from "../../stdlib/automata/glob.js";
import { isPatternError } from "../../stdlib/automata/errors.js";
import type { Manifest } from "../../stdlib/abi/types.js";

interface Limit { index: number; text: string; syscall: string; match: (target: string) => boolean; count: number; windowMs: number }

const ADMITTED = { ok: true } as const;

export class RateLimits {
  private readonly limits: Limit[];
  /** Per agent and limit: the times of the calls inside the current window, oldest first. */
  private readonly hits = new Map<string, number[]>();

  constructor(manifest: Manifest) {
    this.limits = manifest.limits.map((l, index) => ({
      index, text: `${l.target} ${l.count} per ${l.window}`, syscall: l.syscall, count: l.count, windowMs: l.windowMs,
      match: matcher(l.syscall, l.name),
    }));
  }

  /** Admits one allowed call, or names the limit it would break (and then counts nothing). */
  admit(agent: string, syscall: string, target: string, now: number): { ok: true } | { ok: false; limit: string } {
    if (this.limits.length === 0) return ADMITTED;
    const applicable = this.limits.filter((l) => (l.syscall === "*" || l.syscall === syscall) && l.match(target));
    const windows = applicable.map((l) => {
      const key = `${agent}\u0000${l.index}`;
      let w = this.hits.get(key);
      if (!w) this.hits.set(key, (w = []));
      while (w.length && w[0]! <= now - l.windowMs) w.shift();
      return { l, w };
    });
    const broken = windows.find(({ l, w }) => w.length >= l.count);
    if (broken) return { ok: false, limit: broken.l.text };
    for (const { w } of windows) w.push(now);
    return { ok: true };
  }

  forget(agent: string): void {
    for (const k of [...this.hits.keys()]) if (k.startsWith(`${agent}\u0000`)) this.hits.delete(k);
  }
}

function matcher(syscall: string, name: string | null): (target: string) => boolean {
  if (name === null) return () => true;
  if (syscall.startsWith("fs.") || syscall === "net.fetch") {
    const ast = parseGlob(name, syscall === "net.fetch" ? "url" : "path");
    if (isPatternError(ast)) return () => false;
    const re = new RegExp(globRegexSource(ast), "u");
    return (t) => re.test(t);
  }
  return (t) => t === name;
}
