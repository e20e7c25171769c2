/**
 * What a key may do. `publishable` is a kind rather than a right: a publishable key may send play
 * events (`events:write`) and nothing else, and only from its allowed origins (a web page).
 */
export const SCOPES = ["events:write", "stats:read", "admin", "catalog", "publishable"] as const;
export type Scope = (typeof SCOPES)[number];

/** What each scope allows, for `--help`, errors and docs/security.md. */
export const SCOPE_MEANING: Readonly<Record<Scope, string>> = {
  "events:write": "send play events (user.*) to POST /v1/events",
  "stats:read": "read the query API (/v1/videos, /v1/trending, /v1/users, /v1/breakdown, ...)",
  admin: "operate: experiments, alert rules, erasure and dead-letter tooling over HTTP",
  catalog: "send content pipeline events (video.*, e.g. video.encoding.completed)",
  publishable: "send play events from a web page, only from the key's allowed origins",
};

export const isScope = (s: string): s is Scope => (SCOPES as readonly string[]).includes(s);

/** The scope an event type needs: catalog events (`video.*`) belong to the content pipeline, not to players. */
export function scopeForEventType(type: string): "events:write" | "catalog" {
  return type.startsWith("video.") ? "catalog" : "events:write";
}
