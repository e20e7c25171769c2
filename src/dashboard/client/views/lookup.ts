import { api } from "../api.ts";
import { fill, h, note } from "../dom.ts";
import { setParam, type Route } from "../route.ts";
import type { EventLocation } from "../types.ts";
import type { ViewContext } from "./view.ts";

/** The id field; submitting puts the id in the address, which reloads this view. */
function lookupForm(id: string): HTMLFormElement {
  const input = h("input", {
    id: "event-id",
    name: "event",
    value: id,
    required: true,
    autocomplete: "off",
    size: "40",
  });
  const form = h(
    "form",
    { class: "controls" },
    h("label", { for: "event-id" }, "Event id "),
    input,
    h("button", { type: "submit" }, "Find"),
  );
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    setParam("event", input.value.trim());
  });
  return form;
}

/** Type, acceptance time, trace (linked to Jaeger when configured) and what is still awaited. */
function facts(e: EventLocation): HTMLElement {
  return h(
    "dl",
    { class: "facts" },
    h("dt", {}, "Type"),
    h("dd", { id: "event-type" }, e.type ?? "—"),
    h("dt", {}, "Accepted at"),
    h("dd", { id: "event-accepted" }, e.accepted_at ?? "—"),
    h("dt", {}, "Trace"),
    h(
      "dd",
      { id: "event-trace" },
      e.trace_id ?? "—",
      e.trace_url && e.trace_id
        ? h("a", { href: e.trace_url, rel: "noreferrer noopener", target: "_blank", class: "trace" }, " open in Jaeger")
        : null,
    ),
    h("dt", {}, "Waiting for"),
    h("dd", {}, e.waiting_for.length ? e.waiting_for.join(", ") : "nothing"),
  );
}

/** One row per consumer that expects the event or stored it. */
function journey(e: EventLocation): HTMLElement {
  const head = ["Consumer", "Table", "Stored", "Stored at", "Seconds to store"].map((t) =>
    h("th", { scope: "col" }, t),
  );
  const rows = e.consumers
    .filter((c) => c.expected || c.stored)
    .map((c) =>
      h(
        "tr",
        {},
        h("th", { scope: "row" }, c.consumer),
        h("td", {}, c.table),
        h("td", {}, c.stored ? "yes" : "not yet"),
        h("td", {}, c.stored_at ?? "—"),
        h("td", { class: "num" }, c.seconds_to_store === null ? "—" : c.seconds_to_store.toFixed(3)),
      ),
    );
  return h(
    "table",
    { id: "journey" },
    h("caption", {}, "Journey"),
    h("thead", {}, h("tr", {}, ...head)),
    h("tbody", {}, ...rows),
  );
}

/** Paste an event id: where it is (accepted, each consumer's table and time) and its trace. */
export function lookupView(root: HTMLElement, route: Route, ctx: ViewContext): () => void {
  const id = route.params.get("event") ?? "";
  const body = h("div", { id: "lookup-result" });
  fill(root, h("h2", {}, "Event lookup"), lookupForm(id), body);
  if (!id) {
    fill(body, note("empty", 'Paste the id of an event you sent (its "id" field) to see where it went.'));
    return () => undefined;
  }
  return ctx.every(5000, async () => {
    const e = await api<EventLocation>(`/v1/events/${encodeURIComponent(id)}`);
    const found = e.consumers.some((c) => c.stored);
    fill(
      body,
      !found &&
        note("empty", `No consumer has stored event "${id}" yet. Check the id; this page looks again every 5 s.`),
      facts(e),
      journey(e),
    );
  });
}
