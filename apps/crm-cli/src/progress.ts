/** Where progress goes: stderr, which may or may not be a terminal. */
export interface ProgressOutput {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

export interface ProgressSnapshot {
  /** Events of the log behind us, and in all (estimates from positions; total unknown for some adapters). */
  readonly done: number;
  readonly total: number | undefined;
  readonly elapsedMs: number;
}

export function formatCount(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

/** `0.4s`, `42s`, `3m05s`, `2h07m`, `6d04h`: short enough for a progress line. */
export function formatDuration(seconds: number): string {
  if (seconds < 9.95) return `${Math.max(0, seconds).toFixed(1)}s`;
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(s / 86_400)}d${String(Math.floor((s % 86_400) / 3600)).padStart(2, '0')}h`;
}

export function ratePerSecond({ done, elapsedMs }: ProgressSnapshot): number {
  return elapsedMs <= 0 ? 0 : (done * 1000) / elapsedMs;
}

/** Seconds left at the rate so far; undefined until there is a rate and a total. */
export function etaSeconds(snapshot: ProgressSnapshot): number | undefined {
  const rate = ratePerSecond(snapshot);
  if (snapshot.total === undefined || rate <= 0) return undefined;
  return Math.max(0, snapshot.total - snapshot.done) / rate;
}

function bar(fraction: number, width: number): string {
  const filled = Math.min(width, Math.floor(fraction * width));
  const head = filled < width && fraction > 0 ? '>' : '';
  return `[${'='.repeat(filled)}${head}${' '.repeat(Math.max(0, width - filled - head.length))}]`;
}

/** `label [=====>    ]  52% 15,600/30,000 events · 12,345 events/s · ETA 1s` (no bar when `barWidth` is 0). */
export function formatProgress(label: string, snapshot: ProgressSnapshot, barWidth = 24): string {
  const { done, total } = snapshot;
  const fraction = total === undefined ? undefined : total === 0 ? 1 : Math.min(1, done / total);
  const eta = etaSeconds(snapshot);
  const parts = [
    label,
    ...(fraction === undefined || barWidth === 0 ? [] : [bar(fraction, barWidth)]),
    ...(fraction === undefined ? [] : [`${String(Math.floor(fraction * 100)).padStart(3)}%`]),
    `${formatCount(done)}${total === undefined ? '' : `/${formatCount(total)}`} events`,
  ];
  return `${parts.join(' ')} · ${formatCount(ratePerSecond(snapshot))} events/s · ETA ${eta === undefined ? '?' : formatDuration(eta)}`;
}

/** The widest bar (up to 30) that keeps the whole line within the terminal. */
export function barWidthFor(label: string, snapshot: ProgressSnapshot, columns: number): number {
  const text = formatProgress(label, snapshot, 0).length;
  return Math.max(0, Math.min(30, columns - 1 - text - 3));
}

export interface ProgressLineOptions {
  readonly now?: () => number;
  /** Redraws on a terminal at most this often; default 100 ms. */
  readonly redrawMs?: number;
  /** Without a terminal, a plain line at most this often; default 2000 ms. */
  readonly plainEveryMs?: number;
}

/**
 * One progress line on stderr: redrawn in place on a terminal, else printed
 * as plain lines now and then (logs and CI), so piping never fills a file
 * with carriage returns.
 */
export class ProgressLine {
  private readonly now: () => number;
  private readonly startedAt: number;
  private lastDrawn = Number.NEGATIVE_INFINITY;
  private drawnText = false;
  private latest: ProgressSnapshot | undefined;
  private barWidth: number | undefined;

  constructor(
    private readonly output: ProgressOutput,
    private readonly label: string,
    private readonly options: ProgressLineOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.startedAt = this.now();
    // A log gets its first line after a while, so a short run leaves only its summary.
    if (!output.isTTY) this.lastDrawn = this.startedAt;
  }

  get elapsedMs(): number {
    return this.now() - this.startedAt;
  }

  update(done: number, total: number | undefined): void {
    const at = this.now();
    this.latest = { done, total, elapsedMs: at - this.startedAt };
    const every = this.output.isTTY ? (this.options.redrawMs ?? 100) : (this.options.plainEveryMs ?? 2000);
    if (at - this.lastDrawn < every) return;
    this.lastDrawn = at;
    this.draw(this.latest);
  }

  /** Ends the line; `summary` replaces it when given. */
  finish(summary?: string): void {
    if (this.output.isTTY && this.drawnText) this.output.write('\r\x1b[2K');
    const text = summary ?? (this.latest ? formatProgress(this.label, { ...this.latest, elapsedMs: this.elapsedMs }, 0) : this.label);
    this.output.write(`${text}\n`);
    this.drawnText = false;
  }

  private draw(snapshot: ProgressSnapshot): void {
    if (!this.output.isTTY) {
      this.output.write(`${formatProgress(this.label, snapshot, 0)}\n`);
      return;
    }
    const columns = this.output.columns || 80; // a pseudo-terminal may report 0
    // Sized once, with room for the numbers to grow, so the bar does not jitter from frame to frame.
    this.barWidth ??= barWidthFor(this.label, { ...snapshot, done: snapshot.total ?? snapshot.done }, columns - 4);
    const line = formatProgress(this.label, snapshot, this.barWidth < 5 ? 0 : this.barWidth);
    this.output.write(`\r\x1b[2K${line.length >= columns ? line.slice(0, columns - 1) : line}`);
    this.drawnText = true;
  }
}

/**
 * Builds' progress as one line shows it: per build the largest done and total it has reported. A build's later
 * reports count from where it then stood (its catch-up to a head that moved meanwhile, a build resumed from its
 * checkpoint), so the latest report alone made the line read "100% 49,584/824 events" and the summary "86 events of
 * the log" after a scan of 49,584 (an outside probe).
 */
export class BuildProgress {
  private readonly seen = new Map<string, { done: number; total: number | undefined }>();

  record(build: string, done: number, total: number | undefined): { readonly done: number; readonly total: number | undefined } {
    const before = this.seen.get(build);
    const counts = {
      done: Math.max(done, before?.done ?? 0),
      total: total === undefined ? before?.total : Math.max(total, before?.total ?? 0),
    };
    this.seen.set(build, counts);
    return counts;
  }

  /** The largest total of any build (each scans the same log), undefined until one is known. */
  get total(): number | undefined {
    const totals = [...this.seen.values()].flatMap(({ total }) => (total === undefined ? [] : [total]));
    return totals.length === 0 ? undefined : Math.max(...totals);
  }
}
