/** Long operator work (replay, redrive, purge) reports its progress on stderr with a rate and an ETA. */
export interface ProgressState {
  label: string;
  /** Items done so far (messages, dead letters). */
  done: number;
  /** Share of the work done, 0..1, when known. */
  fraction: number | undefined;
  elapsedMs: number;
  unit?: string;
}

const int = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });

export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

/** One progress line, e.g. `replay analytics: 12,000 messages, 40.0%, 3,000 messages/s, ETA 6s`. */
export function formatProgress(p: ProgressState): string {
  const unit = p.unit ?? "messages";
  const parts = [`${p.label}: ${int.format(p.done)} ${unit}`];
  if (p.fraction !== undefined) parts.push(`${(Math.min(1, p.fraction) * 100).toFixed(1)}%`);
  const seconds = p.elapsedMs / 1000;
  if (seconds > 0) parts.push(`${int.format(p.done / seconds)} ${unit}/s`);
  if (p.fraction !== undefined && p.fraction > 0 && p.fraction < 1)
    parts.push(`ETA ${formatDuration((p.elapsedMs * (1 - p.fraction)) / p.fraction)}`);
  return parts.join(", ");
}

export interface Progress {
  update(done: number, fraction?: number): void;
  /** Writes the final line (always, however short the work was). */
  finish(done: number, fraction?: number): void;
}

/**
 * Prints a progress line at most every `intervalMs` (so short work prints only the final line
 * when `finalLine` is set). On a terminal the line is rewritten in place.
 */
export function createProgress(opts: {
  label: string;
  write: (s: string) => void;
  tty?: boolean;
  intervalMs?: number;
  now?: () => number;
  unit?: string;
  finalLine?: boolean;
}): Progress {
  const now = opts.now ?? (() => performance.now());
  const start = now();
  const interval = opts.intervalMs ?? 1000;
  let last = start;
  let printed = false;
  const line = (done: number, fraction: number | undefined) =>
    formatProgress({
      label: opts.label,
      done,
      fraction,
      elapsedMs: now() - start,
      ...(opts.unit ? { unit: opts.unit } : {}),
    });
  return {
    update(done, fraction) {
      const t = now();
      if (t - last < interval) return;
      last = t;
      printed = true;
      opts.write(opts.tty ? `\r${line(done, fraction)}\x1b[K` : `${line(done, fraction)}\n`);
    },
    finish(done, fraction) {
      if (!printed && opts.finalLine === false) return;
      opts.write(opts.tty ? `\r${line(done, fraction)}\x1b[K\n` : `${line(done, fraction)}\n`);
    },
  };
}

/**
 * A status line that is rewritten on every call on a terminal, and printed at most every
 * `intervalMs` (default 5 s) elsewhere, so logs of a long run stay short. `final` clears the
 * terminal line and prints nothing elsewhere (`playpulse load`'s live line).
 *
 * @example
 * const status = createStatusLine({ write: (s) => process.stderr.write(s), tty: process.stderr.isTTY });
 * status("[3s] 5,000 events/s"); status("", true);
 */
export function createStatusLine(opts: {
  write: (s: string) => void;
  tty: boolean;
  intervalMs?: number;
  now?: () => number;
}): (line: string, final?: boolean) => void {
  const now = opts.now ?? (() => performance.now());
  const interval = opts.intervalMs ?? 5000;
  let lastPrint = 0;
  return (line, final = false) => {
    if (opts.tty) {
      opts.write(final ? "\r\x1b[K" : `\r\x1b[K${line}`);
      return;
    }
    const t = now();
    if (!final && t - lastPrint >= interval) {
      lastPrint = t;
      opts.write(`${line}\n`);
    }
  };
}
