/**
 * OpenTelemetry start-up, the same on Node, Bun and Deno: `@opentelemetry/sdk-node`'s `NodeSDK`
 * with the AsyncLocalStorage context manager, which all three runtimes provide. It imports no
 * app code; the CLI (or a runtime's entry point) starts it before any role starts, and the
 * app's code reaches it only through the web-safe `@opentelemetry/api` (src/telemetry/).
 *
 * The SDK reads the standard variables itself, as in any OpenTelemetry service:
 * `OTEL_RESOURCE_ATTRIBUTES`, `OTEL_NODE_RESOURCE_DETECTORS`, `OTEL_PROPAGATORS` (default
 * `tracecontext,baggage`: the W3C `traceparent` travels in NATS headers), `OTEL_TRACES_SAMPLER`
 * and its argument, and the exporter's endpoint, headers, compression and timeout. Playpulse
 * chooses the exporter from `OTEL_TRACES_EXPORTER` and the OTLP protocol, and sizes the batch
 * processor (src/config.ts reads those, with Playpulse's defaults).
 */
import { context, diag, DiagLogLevel, propagation, trace } from "@opentelemetry/api";
import { OTLPTraceExporter as OtlpGrpcExporter } from "@opentelemetry/exporter-trace-otlp-grpc";
import { OTLPTraceExporter as OtlpJsonExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { OTLPTraceExporter as OtlpProtoExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { defaultResource, resourceFromAttributes } from "@opentelemetry/resources";
import { NodeSDK } from "@opentelemetry/sdk-node";
import { BatchSpanProcessor, ConsoleSpanExporter, type SpanExporter } from "@opentelemetry/sdk-trace-base";

export const OTLP_PROTOCOLS = ["http/protobuf", "http/json", "grpc"] as const;
export type OtlpProtocol = (typeof OTLP_PROTOCOLS)[number];
export const TRACE_EXPORTERS = ["otlp", "console", "none"] as const;
export type TraceExporterName = (typeof TRACE_EXPORTERS)[number];

export interface TelemetryOptions {
  disabled: boolean;
  serviceName: string;
  /** `OTEL_TRACES_EXPORTER`: otlp (default), console, or none (spans are made, not exported). */
  exporterName?: TraceExporterName;
  /** `OTEL_EXPORTER_OTLP_TRACES_PROTOCOL` or `OTEL_EXPORTER_OTLP_PROTOCOL` (default http/protobuf). */
  protocol?: OtlpProtocol;
  /** The traces URL; unset, the exporter reads `OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT` itself. */
  tracesEndpoint?: string;
  scheduleDelayMs?: number;
  maxQueueSize?: number;
  maxExportBatchSize?: number;
  linkCountLimit?: number;
  /** Extra resource attributes (`playpulse.roles`, `playpulse.runtime`, ...). */
  attributes?: Record<string, string>;
  /** How long `shutdown()` may spend exporting the last spans (default 5000 ms). */
  shutdownTimeoutMs?: number;
  /** Replaces the exporter (tests use an in-memory one). */
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

/** The span exporter for `OTEL_TRACES_EXPORTER` and the OTLP protocol; undefined for `none`. */
export function exporterFor(name: TraceExporterName, protocol: OtlpProtocol, url?: string): SpanExporter | undefined {
  if (name === "none") return undefined;
  if (name === "console") return new ConsoleSpanExporter();
  const opts = url === undefined ? {} : { url };
  switch (protocol) {
    case "http/json":
      return new OtlpJsonExporter(opts);
    case "grpc":
      return new OtlpGrpcExporter(opts);
    case "http/protobuf":
      return new OtlpProtoExporter(opts);
  }
}

function reportDiagnostics(report: (level: "warn" | "error", message: string) => void): void {
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

const DISABLED: Telemetry = { enabled: false, flush: () => Promise.resolve(), shutdown: () => Promise.resolve() };

/**
 * Starts the OpenTelemetry SDK and registers the global tracer provider, context manager and
 * propagator. Call once per process, before the roles start.
 *
 * @example
 * const telemetry = startTelemetry({ ...config.otel, ...config.otelSdk, onDiagnostic: (l, m) => logger[l](m) });
 * const running = await startRoles(config, roles, logger);
 * // on SIGTERM, after running.stop():
 * await telemetry.shutdown();
 */
export function startTelemetry(opts: TelemetryOptions): Telemetry {
  if (opts.disabled) return DISABLED;
  if (opts.onDiagnostic) reportDiagnostics(opts.onDiagnostic);
  const exporter =
    opts.exporter ?? exporterFor(opts.exporterName ?? "otlp", opts.protocol ?? "http/protobuf", opts.tracesEndpoint);
  const maxQueueSize = opts.maxQueueSize ?? 8192;
  const processor =
    exporter &&
    new BatchSpanProcessor(exporter, {
      scheduledDelayMillis: opts.scheduleDelayMs ?? 5000,
      maxQueueSize,
      maxExportBatchSize: Math.min(opts.maxExportBatchSize ?? 512, maxQueueSize),
    });
  const sdk = new NodeSDK({
    serviceName: opts.serviceName,
    // Merged with what the detectors find (OTEL_RESOURCE_ATTRIBUTES, process, host); the service name last.
    resource: defaultResource().merge(resourceFromAttributes(opts.attributes ?? {})),
    // OTEL_TRACES_EXPORTER=none: no provider, no spans; the propagator still passes a client's context on.
    spanProcessors: processor ? [processor] : [],
    spanLimits: { linkCountLimit: opts.linkCountLimit ?? 10_000 },
    // Traces only: metrics are Prometheus' (/metrics), logs are JSON lines on stdout.
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [],
  });
  sdk.start();
  let stopped = false;
  return {
    enabled: true,
    flush: () => (processor ? processor.forceFlush().catch(() => undefined) : Promise.resolve()),
    async shutdown() {
      if (stopped) return;
      stopped = true;
      // An unreachable collector must not hold the exit: the exporter's retries get 5 s at most.
      let timer: ReturnType<typeof setTimeout> | undefined;
      const limit = new Promise<void>((resolve) => (timer = setTimeout(resolve, opts.shutdownTimeoutMs ?? 5000)));
      await Promise.race([sdk.shutdown().catch(() => undefined), limit]);
      clearTimeout(timer);
      trace.disable();
      context.disable();
      propagation.disable();
      diag.disable();
    },
  };
}
