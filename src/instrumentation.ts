/**
 * OpenTelemetry start-up for Node: the tracer provider, the OTLP/HTTP exporter, the sampler,
 * the AsyncLocalStorage context manager and the W3C propagators. It imports no app code; the
 * CLI starts it before any role starts, and the app's code reaches it only through the
 * web-safe `@opentelemetry/api` (src/telemetry/), so ingest stays runtime-neutral.
 *
 * Traces go over OTLP (JSON over HTTP) to `OTEL_EXPORTER_OTLP_ENDPOINT` (default
 * http://localhost:4318, Jaeger v2's OTLP port). Not `@opentelemetry/exporter-jaeger`: it is
 * deprecated, Jaeger has taken OTLP natively since 1.35, and Jaeger v1 is end of life.
 */
import { context, diag, DiagLogLevel, propagation, trace } from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  type Sampler,
  type SpanExporter,
} from "@opentelemetry/sdk-trace-base";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";

export interface TelemetryOptions {
  disabled: boolean;
  serviceName: string;
  /** Full URL of the OTLP/HTTP traces endpoint (`.../v1/traces`). */
  tracesEndpoint: string;
  /** An `OTEL_TRACES_SAMPLER` name. */
  sampler: string;
  /** `OTEL_TRACES_SAMPLER_ARG`: the ratio of the *traceidratio samplers. */
  samplerArg?: string | undefined;
  scheduleDelayMs?: number;
  maxQueueSize?: number;
  maxExportBatchSize?: number;
  linkCountLimit?: number;
  /** Extra resource attributes (`service.version`, `playpulse.roles`, ...). */
  attributes?: Record<string, string>;
  /** How long `shutdown()` may spend exporting the last spans (default 5000 ms). */
  shutdownTimeoutMs?: number;
  /** Replaces the OTLP exporter (tests use an in-memory one). */
  exporter?: SpanExporter;
  /** Where the SDK's own warnings and errors go (an unreachable collector, dropped spans). */
  onDiagnostic?: (level: "warn" | "error", message: string) => void;
}

export interface Telemetry {
  /** False when `OTEL_SDK_DISABLED` is set: nothing was registered, the API stays a no-op. */
  enabled: boolean;
  /** Exports every ended span now. */
  flush(): Promise<void>;
  /** Exports what is left and unregisters the provider. Never throws. */
  shutdown(): Promise<void>;
}

/** The sampler an `OTEL_TRACES_SAMPLER` name (and ratio) stands for. */
export function samplerFor(name: string, arg?: string): Sampler {
  const parsed = arg === undefined || arg.trim() === "" ? 1 : Number(arg);
  const ratio = Number.isFinite(parsed) ? Math.min(1, Math.max(0, parsed)) : 1;
  switch (name) {
    case "always_on":
      return new AlwaysOnSampler();
    case "always_off":
      return new AlwaysOffSampler();
    case "traceidratio":
      return new TraceIdRatioBasedSampler(ratio);
    case "parentbased_always_off":
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case "parentbased_traceidratio":
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) });
    default:
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
  }
}

const DISABLED: Telemetry = { enabled: false, flush: () => Promise.resolve(), shutdown: () => Promise.resolve() };

/**
 * Registers the global tracer provider. Call once per process, before the roles start.
 *
 * @example
 * const telemetry = startTelemetry({ ...config.otel, ...config.otelSdk, onDiagnostic: (l, m) => logger[l](m) });
 * const running = await startRoles(config, roles, logger);
 * // on SIGTERM, after running.stop():
 * await telemetry.shutdown();
 */
export function startTelemetry(opts: TelemetryOptions): Telemetry {
  if (opts.disabled) return DISABLED;
  if (opts.onDiagnostic) {
    const report = opts.onDiagnostic;
    const ignore = () => undefined;
    diag.setLogger(
      {
        error: (m) => report("error", m),
        warn: (m) => report("warn", m),
        info: ignore,
        debug: ignore,
        verbose: ignore,
      },
      { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
    );
  }
  const exporter = opts.exporter ?? new OTLPTraceExporter({ url: opts.tracesEndpoint, timeoutMillis: 10_000 });
  const maxQueueSize = opts.maxQueueSize ?? 8192;
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ "service.name": opts.serviceName, ...opts.attributes }),
    sampler: samplerFor(opts.sampler, opts.samplerArg),
    spanLimits: { linkCountLimit: opts.linkCountLimit ?? 10_000 },
    spanProcessors: [
      new BatchSpanProcessor(exporter, {
        scheduledDelayMillis: opts.scheduleDelayMs ?? 5000,
        maxQueueSize,
        maxExportBatchSize: Math.min(opts.maxExportBatchSize ?? 512, maxQueueSize),
      }),
    ],
  });
  provider.register();
  let stopped = false;
  return {
    enabled: true,
    flush: () => provider.forceFlush().catch(() => undefined),
    async shutdown() {
      if (stopped) return;
      stopped = true;
      // An unreachable collector must not hold the exit: the exporter's retries get 5 s at most.
      let timer: ReturnType<typeof setTimeout> | undefined;
      const limit = new Promise<void>((resolve) => (timer = setTimeout(resolve, opts.shutdownTimeoutMs ?? 5000)));
      await Promise.race([provider.shutdown().catch(() => undefined), limit]);
      clearTimeout(timer);
      trace.disable();
      context.disable();
      propagation.disable();
      diag.disable();
    },
  };
}
