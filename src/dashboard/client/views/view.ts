import type { Route } from "../route.ts";

export interface ViewContext {
  /** Runs `fn` now and every `ms` while the view is shown; failures are reported, not thrown. Returns the stop. */
  every(ms: number, fn: () => Promise<void>): () => void;
  /** Reports a failed request in the view's error line (a refused key sends the user back to the key form). */
  fail(err: unknown): void;
}

/** A view draws into `root` and returns its cleanup (timers, charts). */
export type View = (root: HTMLElement, route: Route, ctx: ViewContext) => () => void;
