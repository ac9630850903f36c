// OpenTelemetry (@opentelemetry/api): a span per syscall (its decision, rule and effect; its
// duration until the agent is answered) and metrics for decisions, kills and the scheduler's queue.
// A no-op unless the host has registered an SDK before Kernel.create: then the gate makes no span
// and no attribute at all (one boolean per syscall), and the crossing pays nothing for it.
import { metrics, SpanStatusCode, trace, type Attributes, type Span, type Tracer } from "@opentelemetry/api";
import type { Decision, Request } from "../../stdlib/abi/types.js";

const SCOPE = "agent-control-plane";

export interface Telemetry {
  /** A span for one syscall, started now; null when no tracer provider was registered. */
  syscall(request: Request, decision: Decision, agent: { id: string; name: string; tenant: string }): SyscallSpan | null;
  /** An agent ended killed (by the policy, a quota, an operator). */
  killed(signal: string | null, code: string | null): void;
}

export interface SyscallSpan {
  /** The syscall was answered: `errno` when it failed. */
  end(errno?: string | null): void;
}

/**
 * The kernel's telemetry, or null when the host registered neither a tracer nor a meter provider.
 * `queueDepth` is read when a metrics reader collects.
 */
export function openTelemetry(queueDepth: () => number): Telemetry | null {
  const tracing = registered(trace.getTracerProvider());
  const metering = registered(metrics.getMeterProvider());
  if (!tracing && !metering) return null;
  const tracer: Tracer | null = tracing ? trace.getTracer(SCOPE) : null;
  const meter = metrics.getMeter(SCOPE);
  const decisions = metering ? meter.createCounter("acp.decisions", { description: "Syscalls decided, by syscall and effect" }) : null;
  const kills = metering ? meter.createCounter("acp.kills", { description: "Agents ended killed, by signal and code" }) : null;
  if (metering) meter.createObservableGauge("acp.scheduler.queue_depth", { description: "Agents and work waiting for the scheduler" }).addCallback((r) => r.observe(queueDepth()));
  return {
    syscall(request, decision, agent) {
      decisions?.add(1, { "acp.syscall": request.syscall, "acp.effect": decision.effect });
      if (tracer === null) return null;
      const attributes: Attributes = {
        "acp.syscall": request.syscall, "acp.target": request.target, "acp.effect": decision.effect,
        "acp.agent.id": agent.id, "acp.agent.name": agent.name, "acp.tenant": agent.tenant,
      };
      if (decision.rule !== null) attributes["acp.rule"] = decision.rule;
      if (decision.audit.length) attributes["acp.audit"] = [...decision.audit];
      const span: Span = tracer.startSpan(`acp ${request.syscall}`, { attributes });
      return {
        end(errno) {
          if (errno) { span.setAttribute("acp.errno", errno); span.setStatus({ code: SpanStatusCode.ERROR, message: errno }); }
          span.end();
        },
      };
    },
    killed(signal, code) {
      kills?.add(1, { "acp.signal": signal ?? "", "acp.code": code ?? "" });
    },
  };
}

/** Whether a global provider (not the API's no-op default) is registered: its proxy has a real
 * delegate, or it is an SDK's provider set directly. */
function registered(provider: unknown): boolean {
  const p = provider as { getDelegate?: () => unknown; constructor?: { name?: string } };
  const real = typeof p.getDelegate === "function" ? p.getDelegate() : p;
  const name = (real as { constructor?: { name?: string } })?.constructor?.name ?? "";
  return real !== undefined && real !== null && !/^Noop/.test(name);
}
