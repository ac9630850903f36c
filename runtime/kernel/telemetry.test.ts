// OpenTelemetry with the SDK a host would register: a span per syscall, metrics for decisions,
// kills and the scheduler's queue. (Vitest runs each test file in a process of its own: the
// providers registered here are this file's alone.)
import { metrics, trace } from "@opentelemetry/api";
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { afterAll, describe, expect, it } from "vitest";
import { compile } from "../../compiler/compile.js";
import { loadPolicy } from "../policy/load.js";
import { Kernel } from "./create.js";

const POLICY = `policy shop {
  on violation kill
  type Buy = { amount: number }
  tool buy(Buy)
  @id("cheap") allow tool buy when args.amount <= 100
  @id("dear") deny tool buy when args.amount > 100 and args.amount < 1000
  @id("read") allow fs.read "/mem/**"
}`;

const kernel = async () => {
  const r = compile(POLICY, { filename: "shop.acp" });
  return Kernel.create({ policy: await loadPolicy(r.wasm!, r.manifest!), tools: { buy: { run: async () => "ok" } } });
};
const AGENT = `export default async function main() {
  await sys.fs.read("/mem/working/list").catch(() => null);
  await sys.tool("buy", { amount: 5 });
  await sys.tool("buy", { amount: 500 }).catch(() => null);
  await sys.tool("buy", { amount: 5000 });
}`;

describe("telemetry", () => {
  const kernels: Kernel[] = [];
  afterAll(async () => { for (const k of kernels) await k.shutdown(); });

  let before: Kernel;
  it("makes nothing while no SDK is registered", async () => {
    before = await kernel();
    kernels.push(before);
    expect((await before.run({ name: "quiet", source: AGENT })).status).toBe("killed");
  });

  it("with the SDK registered: one span per syscall with its decision, and metrics for decisions, kills and the queue", async () => {
    const spans = new InMemorySpanExporter();
    trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }));
    const exported = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const reader = new PeriodicExportingMetricReader({ exporter: exported, exportIntervalMillis: 60_000 });
    const meters = new MeterProvider({ readers: [reader] });
    metrics.setGlobalMeterProvider(meters);

    // A kernel made before the SDK was registered stays without telemetry (it checked at create).
    await before.run({ name: "quiet", source: AGENT });
    expect(spans.getFinishedSpans()).toEqual([]);

    const k = await kernel();
    kernels.push(k);
    const exit = await k.run({ name: "buyer", source: AGENT });
    expect(exit).toMatchObject({ status: "killed", signal: "SIGPOLICY" });

    const got = spans.getFinishedSpans().map((s) => ({ name: s.name, a: s.attributes }));
    expect(got.map((s) => [s.name, s.a["acp.syscall"], s.a["acp.effect"], s.a["acp.rule"] ?? null, s.a["acp.errno"] ?? null])).toEqual([
      ["acp fs.read", "fs.read", "allow", "read", "ENOENT"],
      ["acp tool.call", "tool.call", "allow", "cheap", null],
      ["acp tool.call", "tool.call", "deny", "dear", "EPERM"],
      ["acp tool.call", "tool.call", "kill", null, "killed"],
    ]);
    expect(got.every((s) => s.a["acp.agent.name"] === "buyer")).toBe(true);
    for (const s of spans.getFinishedSpans()) expect(s.duration[0] * 1e9 + s.duration[1]).toBeGreaterThanOrEqual(0);

    await reader.forceFlush();
    const all = exported.getMetrics().flatMap((m) => m.scopeMetrics.flatMap((s) => s.metrics));
    type Point = { attributes: Record<string, unknown>; value: unknown };
    const sum = (name: string, attrs: Record<string, string>) => all.filter((m) => m.descriptor.name === name).flatMap((m) => m.dataPoints as Point[])
      .filter((p) => Object.entries(attrs).every(([k, v]) => p.attributes[k] === v)).reduce((n, p) => Math.max(n, Number(p.value)), 0);
    expect(sum("acp.decisions", { "acp.syscall": "tool.call", "acp.effect": "allow" })).toBe(1);
    expect(sum("acp.decisions", { "acp.syscall": "tool.call", "acp.effect": "deny" })).toBe(1);
    expect(sum("acp.decisions", { "acp.syscall": "tool.call", "acp.effect": "kill" })).toBe(1);
    expect(sum("acp.kills", { "acp.signal": "SIGPOLICY" })).toBe(1);
    expect(all.some((m) => m.descriptor.name === "acp.scheduler.queue_depth")).toBe(true);
    await meters.shutdown();
  });
});
