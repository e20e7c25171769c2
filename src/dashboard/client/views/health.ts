import { api } from "../api.ts";
import { fill, h, note } from "../dom.ts";
import { bytesText } from "../format.ts";
import type { Lag } from "../types.ts";
import type { ViewContext } from "./view.ts";

const FRESHNESS_LIMIT_S = 10;
const n = (v: number | null | undefined, unit = "") =>
  v === null || v === undefined ? "—" : `${v.toLocaleString("en-US")}${unit}`;

/** Stream size, dead letters, and per consumer: backlog, oldest unprocessed event, freshness; a red banner past 10 s p95. */
export function healthView(root: HTMLElement, _route: unknown, ctx: ViewContext): () => void {
  const banner = h("div");
  const body = h("div", {}, note("info", "Loading…"));
  fill(root, h("h2", {}, "Pipeline health"), banner, body);
  return ctx.every(5000, async () => {
    const lag = await api<Lag>("/v1/lag");
    const slow = lag.consumers.filter((c) => (c.freshness.p95_seconds ?? 0) > FRESHNESS_LIMIT_S);
    const dead = lag.backlog === "ok" ? lag.consumers.reduce((s, c) => s + (c.dead_letters ?? 0), 0) : null;
    fill(
      banner,
      slow.length > 0 &&
        h(
          "div",
          { class: "banner banner-red", role: "alert", id: "freshness-banner" },
          `Freshness p95 over ${FRESHNESS_LIMIT_S} s: `,
          slow.map((c) => `${c.consumer} ${n(c.freshness.p95_seconds, " s")}`).join(", "),
          ". Events take too long to reach ClickHouse: check the consumers' logs and ClickHouse.",
        ),
      lag.backlog === "unavailable" &&
        note("error", `NATS could not be asked for backlogs: ${lag.backlog_error ?? "unavailable"}`),
    );
    fill(
      body,
      h(
        "div",
        { class: "tiles" },
        h(
          "div",
          { class: "tile", id: "dead-letters" },
          h("h3", {}, "Dead letters waiting"),
          h("p", { class: "value" }, n(dead)),
          h("p", { class: "sub" }, dead === null ? "unknown" : dead > 0 ? "inspect with playpulse dlq list" : "none"),
        ),
        h(
          "div",
          { class: "tile", id: "stream-size" },
          h("h3", {}, "Stream size"),
          h("p", { class: "value" }, lag.stream ? n(lag.stream.messages, " messages") : "—"),
          h("p", { class: "sub" }, lag.stream ? `${bytesText(lag.stream.bytes)} in ${lag.stream.stream}` : "unknown"),
        ),
      ),
      h(
        "table",
        { id: "lag-table" },
        h("caption", {}, `Consumers, as of ${lag.as_of}`),
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            ...["Consumer", "Pending", "Oldest unprocessed", "Dead letters", "Freshness p50", "Freshness p95"].map(
              (t, i) => h("th", { scope: "col", class: i > 0 ? "num" : undefined }, t),
            ),
          ),
        ),
        h(
          "tbody",
          {},
          ...lag.consumers.map((c) =>
            h(
              "tr",
              { class: slow.includes(c) ? "outlier" : undefined },
              h("th", { scope: "row" }, c.consumer),
              h("td", { class: "num" }, n(c.pending_messages)),
              h("td", { class: "num" }, n(c.oldest_unprocessed_age_seconds, " s")),
              h("td", { class: "num" }, n(c.dead_letters)),
              h("td", { class: "num" }, n(c.freshness.p50_seconds, " s")),
              h("td", { class: "num", title: c.freshness.note }, n(c.freshness.p95_seconds, " s")),
            ),
          ),
        ),
      ),
    );
  });
}
