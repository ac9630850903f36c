// `GET /metrics`: Prometheus text from a registry of the server's own (prom-client), so two
// servers in one process (tests) do not share counters.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { DecisionEffect } from "../../stdlib/abi/types.js";

export class ServeMetrics {
  readonly registry = new Registry();
  private readonly decisions = new Counter({ name: "acp_decisions_total", help: "Decisions given, by effect", labelNames: ["effect"] as const, registers: [this.registry] });
  private readonly latency = new Histogram({
    name: "acp_decide_request_duration_seconds", help: "Time from a POST /v1/decide arriving to its answer (recording included)",
    labelNames: ["batch"] as const, buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1], registers: [this.registry],
  });
  private readonly errors = new Counter({ name: "acp_request_errors_total", help: "Requests refused, by error code", labelNames: ["code"] as const, registers: [this.registry] });
  private readonly reloads = new Counter({ name: "acp_policy_reloads_total", help: "Policy reloads, by result", labelNames: ["result"] as const, registers: [this.registry] });
  private readonly policy = new Gauge({ name: "acp_policy_info", help: "The policy deciding now (value 1)", labelNames: ["policy", "digest"] as const, registers: [this.registry] });
  /** Counters by effect, kept by hand: the hot path adds to a number, not to a labelled series. */
  private readonly byEffect: Record<DecisionEffect, number> = { allow: 0, deny: 0, kill: 0, stop: 0 };
  private flushed: Record<DecisionEffect, number> = { allow: 0, deny: 0, kill: 0, stop: 0 };

  constructor() {
    for (const e of Object.keys(this.byEffect) as DecisionEffect[]) this.decisions.inc({ effect: e }, 0);
    collectDefaultMetrics({ register: this.registry });
  }

  decided(effect: DecisionEffect): void { this.byEffect[effect]++; }

  answered(seconds: number, batch: boolean): void { this.latency.observe({ batch: batch ? "yes" : "no" }, seconds); }

  refused(code: string): void { this.errors.inc({ code }); }

  reloaded(ok: boolean): void { this.reloads.inc({ result: ok ? "ok" : "failed" }); }

  deciding(policy: string, digest: string): void {
    this.policy.reset();
    this.policy.set({ policy, digest }, 1);
  }

  async text(): Promise<string> {
    for (const e of Object.keys(this.byEffect) as DecisionEffect[]) {
      const add = this.byEffect[e] - this.flushed[e];
      if (add > 0) this.decisions.inc({ effect: e }, add);
    }
    this.flushed = { ...this.byEffect };
    return this.registry.metrics();
  }

  get contentType(): string { return this.registry.contentType; }
}
