// The hostile-agent suite's harness: reads the agent files and their header lines, and runs a
// kernel made by Kernel.create under conformance/runtime/policy.acp with real parts (QuickJS
// isolates, the compiled WASM policy, the VFS with memory mounts, a file or memory flight recorder), watched
// from the host side:
//   - every fs.write / fs.delete / tool effect must find its `allow` syscall record (or a `stop` one
//     and its approving `review` record) already durable in the flight log, else it is a fault;
//   - the `exfiltrate` tool must never run;
//   - the host's own Object.prototype must stay clean.
import { closeSync, mkdtempSync, openSync, readFileSync, readSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { compile } from "../../compiler/compile.js";
import { loadPolicy } from "../../runtime/policy/load.js";
import { Kernel, type Agent, type AgentExit, type SignalName } from "../../runtime/kernel/index.js";
import type { IsolateLimits } from "../../runtime/isolate/limits.js";
import { verify, type VerifyResult } from "../../runtime/recorder/index.js";
import { canonicalJson } from "../../runtime/recorder/canonical-json.js";
import { MemoryBackend, MEMORY_MOUNTS, type Backend, type BackendSnapshot, type Stat } from "../../runtime/vfs/index.js";

// ---------------------------------------------------------------------------------------------
// Agent files

/** When the runner sends a signal to the agent under test. */
export interface SignalPlan {
  signal: SignalName;
  /** A path the agent writes when it is ready for the signal ("pending": when it waits for review). */
  when?: string;
  /** Or after this many milliseconds. */
  afterMs?: number;
}

export interface AgentCase {
  file: string;
  name: string;
  /** The second line: what the attack is. */
  title: string;
  source: string;
  expect: Record<string, unknown>;
  limits?: Partial<IsolateLimits>;
  input?: unknown;
  /** What the operator does with a syscall stopped for review (default: reject). */
  operator: "approve" | "reject" | "wait";
  signal?: SignalPlan;
  /** Files checked afterwards by an auditor agent: content, or null for "must not exist". */
  files?: Record<string, string | null>;
}

const HEADER = /^\/\/ (expect|limits|input|operator|signal|files): (.*)$/;

export function loadAgentCases(dir: string): AgentCase[] {
  return readdirSync(dir).filter((f) => f.endsWith(".js")).sort().map((f) => parseAgentFile(join(dir, f)));
}

export function parseAgentFile(file: string): AgentCase {
  const source = readFileSync(file, "utf8");
  const lines = source.split("\n");
  const name = basename(file, ".js");
  const first = HEADER.exec(lines[0] ?? "");
  if (!first || first[1] !== "expect") throw new Error(`${name}: the first line must be // expect: {JSON}`);
  const title = /^\/\/ (.+)$/.exec(lines[1] ?? "")?.[1];
  if (!title || HEADER.test(lines[1]!)) throw new Error(`${name}: the second line must be a comment saying what the attack is`);
  const c: AgentCase = { file, name, title, source, expect: {}, operator: "reject" };
  for (let i = 0; i < lines.length; i++) {
    if (i === 1) continue;
    const m = HEADER.exec(lines[i]!);
    if (!m) { if (i === 0) throw new Error("unreachable"); break; }
    let v: unknown;
    try { v = JSON.parse(m[2]!); } catch (e) { throw new Error(`${name}: line ${i + 1}: ${m[1]} is not JSON: ${(e as Error).message}`); }
    switch (m[1]) {
      case "expect": c.expect = v as Record<string, unknown>; break;
      case "limits": c.limits = v as Partial<IsolateLimits>; break;
      case "input": c.input = v; break;
      case "operator": c.operator = v as AgentCase["operator"]; break;
      case "signal": c.signal = v as SignalPlan; break;
      case "files": c.files = v as Record<string, string | null>; break;
    }
  }
  if (!/export default async function main\(/.test(source)) throw new Error(`${name}: no \`export default async function main(\``);
  return c;
}

/** Where `actual` differs from the subset `expected`: objects by the keys given, arrays by length and element. */
export function mismatches(expected: unknown, actual: unknown, at = "exit"): string[] {
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return [`${at}: expected an array, got ${JSON.stringify(actual)}`];
    if (actual.length !== expected.length) return [`${at}: expected ${expected.length} element(s), got ${actual.length}: ${JSON.stringify(actual).slice(0, 300)}`];
    return expected.flatMap((e, i) => mismatches(e, actual[i], `${at}[${i}]`));
  }
  if (expected !== null && typeof expected === "object") {
    if (actual === null || typeof actual !== "object" || Array.isArray(actual)) return [`${at}: expected an object, got ${JSON.stringify(actual)}`];
    return Object.entries(expected).flatMap(([k, e]) => mismatches(e, (actual as Record<string, unknown>)[k], `${at}.${k}`));
  }
  return Object.is(expected, actual) ? [] : [`${at}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`];
}

// ---------------------------------------------------------------------------------------------
// The flight log, read from the host side as it grows

interface LogRecord { kind: string; seq: number; agent?: { id: string }; syscall?: string; target?: string; effect?: string; args?: unknown; verdict?: string; of?: number }

/** New records since the last call: from the log file, or from a memory recorder. */
type RecordSource = () => LogRecord[];

function fileSource(path: string): RecordSource {
  let offset = 0;
  let partial = "";
  return () => {
    let fd: number;
    try { fd = openSync(path, "r"); } catch { return []; }
    try {
      const buf = Buffer.alloc(1 << 16);
      for (;;) {
        const n = readSync(fd, buf, 0, buf.length, offset);
        if (n <= 0) break;
        offset += n;
        partial += buf.subarray(0, n).toString("utf8");
      }
    } finally {
      closeSync(fd);
    }
    const lines = partial.split("\n");
    partial = lines.pop()!;
    return lines.map((line) => JSON.parse(line) as LogRecord);
  };
}

class LogTail {
  readonly records: LogRecord[] = [];
  /** Durable `allow` syscall records not yet matched by an effect, by "syscall target". */
  private readonly allowed = new Map<string, number>();
  /** `stop` syscall records by seq, waiting for an operator's approval. */
  private readonly stopped = new Map<number, string>();

  constructor(private readonly source: RecordSource) {}

  poll(): void {
    for (const r of this.source()) {
      this.records.push(r);
      // An `allow` record allows its effect; a `stop` record only once a `review` record approves it.
      if (r.kind === "syscall" && r.effect === "allow") this.allow(`${r.syscall} ${r.target}`);
      if (r.kind === "syscall" && r.effect === "stop") this.stopped.set(r.seq, `${r.syscall} ${r.target}`);
      if (r.kind === "review" && this.stopped.has(r.of!)) {
        if (r.verdict === "approved") this.allow(this.stopped.get(r.of!)!);
        this.stopped.delete(r.of!);
      }
    }
  }

  /** A `stop` record for this effect is durable (but no approval of it). */
  isStopped(syscall: string, target: string): boolean {
    return [...this.stopped.values()].includes(`${syscall} ${target}`);
  }

  private allow(k: string): void {
    this.allowed.set(k, (this.allowed.get(k) ?? 0) + 1);
  }

  /** Takes one durable allowance for this effect; false when the log does not hold one. */
  consume(syscall: string, target: string): boolean {
    this.poll();
    const k = `${syscall} ${target}`;
    const n = this.allowed.get(k) ?? 0;
    if (n === 0) return false;
    this.allowed.set(k, n - 1);
    return true;
  }
}

// ---------------------------------------------------------------------------------------------
// The kernel under test

const here = new URL(".", import.meta.url).pathname;
export const AGENTS_DIR = join(here, "agents");
export const POLICY_PATH = join(here, "policy.acp");

export const HOSTILE_LIMITS: Partial<IsolateLimits> = {
  sliceTicks: 400,
  totalTicks: 20_000,
  memoryBytes: 16 * 1024 * 1024,
  argBytes: 256 * 1024,
  maxSyscalls: 2_000,
  maxLogLines: 100,
};

export const TERM_GRACE_MS = 150;

export interface SpawnSpec {
  source: string;
  name: string;
  role?: string;
  tenant?: string;
  input?: unknown;
  limits?: Partial<IsolateLimits>;
}

/** A memory backend whose changes are checked against the flight log as they happen. */
class GuardedBackend implements Backend {
  constructor(readonly inner: MemoryBackend, private readonly point: string, private readonly guard: (syscall: string, target: string) => void) {}
  private abs(rel: string): string { return rel === "" ? this.point : `${this.point}/${rel}`; }
  read(rel: string): Promise<string> { return this.inner.read(rel); }
  list(rel: string): Promise<string[]> { return this.inner.list(rel); }
  stat(rel: string): Promise<Stat | null> { return this.inner.stat(rel); }
  async write(rel: string, data: string): Promise<void> { this.guard("fs.write", this.abs(rel)); return this.inner.write(rel, data); }
  async remove(rel: string): Promise<void> { this.guard("fs.delete", this.abs(rel)); return this.inner.remove(rel); }
  // Reads answered in the syscall's own call (what the kernel does with a memory recorder).
  readNow(rel: string): string { return this.inner.readNow(rel); }
  listNow(rel: string): string[] { return this.inner.listNow(rel); }
  snapshot(): Promise<BackendSnapshot> { return this.inner.snapshot(); }
  restore(s: BackendSnapshot): Promise<void> { return this.inner.restore(s); }
}

export class HostileKernel {
  readonly faults: string[] = [];
  readonly exfiltrated: unknown[] = [];
  readonly reviewed: unknown[] = [];
  private readonly tail: LogTail;
  private kernel!: Kernel;

  private constructor(private readonly dir: string, readonly logPath: string, readonly recorder: "file" | "memory") {
    this.tail = new LogTail(recorder === "file" ? fileSource(logPath) : () => this.kernel ? this.kernel.recorder.recordsFrom(this.tail.records.length) as unknown as LogRecord[] : []);
  }

  /** A file recorder (effects wait for fsync) or a memory one (memory file syscalls are answered in
   * the agent's own call): the suite runs under both. */
  static async start(recorder: "file" | "memory" = "file"): Promise<HostileKernel> {
    const source = readFileSync(POLICY_PATH, "utf8");
    const compiled = compile(source, { filename: "policy.acp" });
    if (!compiled.wasm || !compiled.manifest) throw new Error(`policy.acp does not compile: ${JSON.stringify(compiled.diagnostics)}`);
    const policy = await loadPolicy(compiled.wasm, compiled.manifest);
    const dir = mkdtempSync(join(tmpdir(), "acp-hostile-"));
    const self = new HostileKernel(dir, join(dir, "flight.log"), recorder);
    const guard = (syscall: string, target: string) => {
      if (self.tail.consume(syscall, target)) return;
      self.faults.push(self.tail.isStopped(syscall, target)
        ? `${syscall} ${target} took effect before the operator's approval was durable in the flight log (only its stop record was)`
        : `${syscall} ${target} took effect without a durable allow record before it`);
    };
    // Every memory mount is the suite's own, so the host sees each change; seeds go in before the guard.
    const mounts: Record<string, GuardedBackend> = {};
    for (const point of [...MEMORY_MOUNTS, "/mem/readonly"]) mounts[point] = new GuardedBackend(new MemoryBackend(), point, guard);
    await mounts["/mem/semantic"]!.inner.write("secrets/key", "TOPSECRET");
    await mounts["/mem/readonly"]!.inner.write("motd", "read me, do not write me");
    const tools = {
      echo: { run: async (a: { value: string }) => { guard("tool.call", "echo"); return a.value; } },
      tags: { run: async (a: { items: string[] }) => { guard("tool.call", "tags"); return a.items; } },
      exfiltrate: { run: async (a: unknown) => { self.exfiltrated.push(a); self.faults.push(`exfiltrate ran with ${JSON.stringify(a)}`); return "sent"; } },
      review: { run: async (a: { note: string }) => { guard("tool.call", "review"); self.reviewed.push(a); return `reviewed: ${a.note}`; } },
    };
    self.kernel = await Kernel.create({
      policy, tools, mounts, policySource: source,
      recorder: recorder === "file" ? { path: self.logPath } : { memory: true },
      limits: HOSTILE_LIMITS,
      termGraceMs: TERM_GRACE_MS,
    });
    return self;
  }

  spawn(s: SpawnSpec): Promise<Agent> {
    return this.kernel.spawn({ source: s.source, name: s.name, role: s.role ?? "", tenant: s.tenant ?? "", input: s.input, limits: s.limits, filename: `${s.name}.js` });
  }

  list(): Agent[] {
    return this.kernel.list();
  }

  /** A file as the host sees it, or null. */
  async readFile(path: string): Promise<string | null> {
    try { return await this.kernel.vfs.read(path); } catch { return null; }
  }

  /** Records of the flight log so far (durable ones). */
  records(): readonly LogRecord[] {
    this.tail.poll();
    return this.tail.records;
  }

  /** Log lines of one agent kept in the flight log. */
  logLines(agentId: string): number {
    return this.records().filter((r) => r.kind === "log" && r.agent?.id === agentId).length;
  }

  /** Bytes of linear memory the QuickJS instances of `tenant` hold (what its agents take from the host). */
  instanceBytes(tenant: string): number {
    return this.kernel.core.poolStats().find((s) => s.tenant === tenant)?.memoryBytes ?? 0;
  }

  /** Records the kernel could not write after the fact. */
  recorderErrors(): unknown[] {
    return this.kernel.core.recorderErrors;
  }

  /** Kills what is left, closes the recorder, and verifies the log. */
  async shutdown(): Promise<VerifyResult> {
    await this.kernel.shutdown();
    const result = this.recorder === "file" ? verify(this.logPath) : verify(this.kernel.recorder.lines());
    this.tail.poll();
    return result;
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export type { Agent, AgentExit };
