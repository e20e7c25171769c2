import { startConsumeLoop, type BusConnection } from "../bus/index.ts";
import { createRules, parseConfigRules } from "../alerts/index.ts";
import { analyticsStreamName, analyticsWildcard } from "../events/index.ts";
import { createAlertEvaluator } from "../evaluations/alerts.ts";
import { createExperimentEvaluator } from "../evaluations/experiments.ts";
import { markingHandler, startEvaluationLoop } from "../evaluations/loop.ts";
import { createAnnouncer, readAnnounced } from "../evaluations/stream.ts";
import { createDefinitions, parseConfigDefinitions } from "../experiments/index.ts";
import type { Store } from "../store/index.ts";
import { startWebhookLoops } from "../webhooks/index.ts";
import type { RoleContext, StartedRole } from "./context.ts";
import { configured } from "./configured.ts";

/** The evaluations role's durable on the event stream: every play event marks that data changed. */
export const EVALUATIONS_DURABLE = { name: "evaluations", subject: "user.>" } as const;

/**
 * The evaluations role (docs/alerts.md): a durable on `user.>` that acks events and marks that
 * data changed; an evaluator that re-evaluates every alert rule and running experiment at most
 * every PLAYPULSE_EVALUATION_INTERVAL_MS and announces each state change on `analytics.>`; and
 * one webhook delivery loop per PLAYPULSE_WEBHOOK_URLS endpoint (docs/webhooks.md).
 *
 * @example
 * const evaluations = startEvaluations(ctx, { bus, store });
 */
export function startEvaluations(ctx: RoleContext, clients: { bus: BusConnection; store: Store }): StartedRole {
  const { config, subjects, logger } = ctx;
  const { bus, store } = clients;
  const stream = analyticsStreamName(config.stream.name);
  const announce = createAnnouncer(bus.nc, stream);
  const rules = createRules(store, configured(parseConfigRules, config.alertRules));
  const definitions = createDefinitions(store, configured(parseConfigDefinitions, config.experiments));
  const prefix = subjects.prefix;
  const alerts = createAlertEvaluator({
    store,
    ccvWindowSeconds: config.ccv.windowSeconds,
    prefix,
    rules: () => rules.list(),
    announce,
  });
  const experiments = createExperimentEvaluator({ store, prefix, definitions: () => definitions.list(), announce });
  const marks = { dirty: true };
  const consume = startConsumeLoop({
    bus,
    stream: config.stream.name,
    handler: markingHandler(EVALUATIONS_DURABLE.name, marks),
    logger,
    batchSize: config.consumers.batchSize,
    flushIntervalMs: config.consumers.flushIntervalMs,
    maxDeliver: config.consumers.maxDeliver,
    dlqSubject: (subject) => subjects.dlq(EVALUATIONS_DURABLE.name, subject),
  });
  consume.done.catch((err: unknown) => logger.error({ err, consumer: "evaluations" }, "consume loop stopped"));
  const evaluator = startEvaluationLoop({
    marks,
    intervalMs: config.evaluations.intervalMs,
    logger,
    evaluator: {
      async restore() {
        const announced: unknown[] = [];
        for await (const e of readAnnounced(bus.nc, stream, analyticsWildcard(prefix))) announced.push(e);
        await alerts.restore(announced);
        await experiments.restore(announced);
      },
      async evaluate(now) {
        await alerts.evaluate(now);
        await experiments.evaluate(now);
      },
      busy: () => alerts.firing() > 0,
    },
  });
  const webhooks = startWebhookLoops({
    bus,
    logger,
    source: { stream, filterSubject: `${prefix}analytics.alert.>` },
    settings: config.webhooks,
    dlqSubject: (consumer, subject) => subjects.dlq(consumer, subject),
  });
  return {
    routes: [],
    readiness: { nats: () => Promise.resolve(bus.isConnected()), clickhouse: () => store.ping() },
    stop: { consumers: [consume, evaluator, ...webhooks] },
  };
}
