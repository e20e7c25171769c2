/** Options of `attach(video, options)`. Only `endpoint`, `key`, `userId` and `videoId` are required. */
export interface AttachOptions {
  /** The edge's base URL, e.g. "https://events.example.com" (no trailing `/v1/events`). */
  endpoint: string;
  /** A publishable key (PLAYPULSE_PUBLISHABLE_KEYS) allowed for this page's origin. Never a write key. */
  key: string;
  /** Your id of the viewer (1-128 characters). */
  userId: string;
  /** Your id of the title (1-128 characters). */
  videoId: string;
  /** Which CDN serves this view. */
  cdn?: string;
  /** The experiment arm this view belongs to. */
  experiment?: { id: string; variant: string };
  /** Flat custom properties (at most 32; string, number, boolean or null values). */
  properties?: Record<string, string | number | boolean | null>;
  /** The player's name, e.g. "hls.js", "shaka", "video.js" (default "html5"). */
  player?: string;
  /** Heartbeat period while a view is open, in ms (default 10000, at least 1000). */
  heartbeatIntervalMs?: number;
  /** How often queued events are sent, in ms (default 3000). */
  flushIntervalMs?: number;
  /** Send at once when this many events are queued (default 20). */
  maxBatch?: number;
  /** The most events kept while the edge cannot be reached (default 500); when full, the oldest are dropped. */
  maxQueue?: number;
}

/** What `attach` returns. */
export interface Session {
  /** The current view's id (UUIDv7), or null before the first play. */
  readonly viewId: string | null;
  /** Events dropped because the queue was full. */
  readonly dropped: number;
  /** Closes the current view (`ended`, sent by beacon), removes every listener and stops every timer. */
  detach(): void;
}
