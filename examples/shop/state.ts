import { JetStreamApiError } from "@nats-io/jetstream";
import { Kvm, type KV } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";

/**
 * The shop's state lives in NATS KV, beside the stream, one bucket per service. Each change
 * is a compare-and-set on one key (`update(key, value, revision)`), so two deliveries of the
 * same message, or two processes, can never both apply a step: the second one's write fails,
 * it reads the new value and sees the step already done.
 */
export interface ShopState {
  /** Order id -> `OrderRecord` (the order service's). */
  orders: KV;
  /** Customer -> `Account` (the payment service's). */
  accounts: KV;
  /** Sku -> `Stock` (the inventory service's). */
  stock: KV;
  /** Order id -> `Notice` (the notification service's). */
  notices: KV;
}

/** Creates (or opens) the four buckets. `ns` keeps test runs apart on one server. */
export async function openState(nc: NatsConnection, ns = ""): Promise<ShopState> {
  const kvm = new Kvm(nc);
  const name = (b: string) => (ns === "" ? `shop_${b}` : `${ns}_shop_${b}`);
  // A little history, so a test can read every version a key went through.
  const open = (b: string) => kvm.create(name(b), { history: 10 });
  const [orders, accounts, stock, notices] = await Promise.all(["orders", "accounts", "stock", "notices"].map(open));
  if (!orders || !accounts || !stock || !notices) throw new Error("openState: a bucket did not open");
  return { orders, accounts, stock, notices };
}

/** JetStream's "wrong last sequence": someone else wrote the key since we read it. */
const WRONG_LAST_SEQUENCE = 10071;
const isConflict = (err: unknown) =>
  err instanceof JetStreamApiError && (err.code === WRONG_LAST_SEQUENCE || /wrong last sequence/.test(err.message));

/** Creates `key` with `value` unless it exists; either way returns what the key now holds. */
export async function createOrRead<T>(kv: KV, key: string, value: T): Promise<T | undefined> {
  try {
    await kv.create(key, JSON.stringify(value));
    return value;
  } catch (err: unknown) {
    if (!isConflict(err)) throw err;
    return readJson<T>(kv, key);
  }
}

/** A service's decision on one event: the key's new value (undefined: unchanged) and what to tell the others. */
export interface Decision<T, E> {
  next?: T | undefined;
  emit: E[];
}

export async function readJson<T>(kv: KV, key: string): Promise<T | undefined> {
  const entry = await kv.get(key);
  return entry && entry.operation === "PUT" ? entry.json<T>() : undefined;
}

/**
 * Reads `key`, asks `decide` what to do with its current value, and writes the new value only
 * if nobody wrote the key in between (create when absent, update at the read revision); on a
 * conflict it reads again and decides again. Returns the decision that was applied.
 *
 * @example
 * const { emit } = await compareAndSet(state.stock, "sku-1", (stock) => reserve(stock, event));
 */
export async function compareAndSet<T, E>(
  kv: KV,
  key: string,
  decide: (current: T | undefined) => Decision<T, E>,
): Promise<Decision<T, E>> {
  for (;;) {
    const entry = await kv.get(key);
    const current = entry && entry.operation === "PUT" ? entry.json<T>() : undefined;
    const decision = decide(current);
    if (decision.next === undefined) return decision;
    const value = JSON.stringify(decision.next);
    try {
      if (entry === null) await kv.create(key, value);
      else await kv.update(key, value, entry.revision);
      return decision;
    } catch (err: unknown) {
      if (!isConflict(err)) throw err;
    }
  }
}

/** Starting balances (cents, by customer) and stock (units, by sku). */
export interface Seed {
  accounts: Record<string, number>;
  stock: Record<string, number>;
}

/** Writes the starting balances and stock (overwriting what was there): for the demo and the tests. */
export async function seedState(state: ShopState, seed: Seed): Promise<void> {
  await Promise.all([
    ...Object.entries(seed.accounts).map(([c, cents]) =>
      state.accounts.put(c, JSON.stringify({ balance_cents: cents, charges: {} })),
    ),
    ...Object.entries(seed.stock).map(([sku, n]) =>
      state.stock.put(sku, JSON.stringify({ available: n, reservations: {} })),
    ),
  ]);
}
