import { RuleError } from "../alerts/index.ts";
import { ConfigError } from "../config.ts";
import { DefinitionError } from "../experiments/index.ts";

/**
 * Configured definitions (PLAYPULSE_EXPERIMENTS, PLAYPULSE_ALERT_RULES) checked: a bad one stops
 * start-up like any other configuration problem. The evaluations role checks them the same way.
 */
export function configured<T>(parse: (raw: readonly unknown[]) => T[], raw: readonly unknown[]): T[] {
  try {
    return parse(raw);
  } catch (err) {
    if (err instanceof DefinitionError || err instanceof RuleError) throw new ConfigError(err.problems);
    throw err;
  }
}
