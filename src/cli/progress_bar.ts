/**
 * Progress of a run of N steps. On a terminal: one bar redrawn in place with done/total,
 * seconds per step and time left. Anywhere else (a pipe, a log file) carriage returns
 * would pile up into one unreadable line, so each step gets a plain line instead.
 *
 * ProgressBar.bytes() is the same bar for a download: amounts in B/kB/MB/GB, the rate and
 * time left, moved by set(), and "stalled 4 s" in place of the time left while no bytes
 * come (stalled()); it draws only on a terminal (elsewhere the caller prints a line when
 * the download starts and one when it ends).
 */
import { formatBytes } from '../core/format_bytes.js';

export interface ProgressStream {
  readonly isTTY: boolean;
  write(text: string): void;
}

const BAR_WIDTH = 24;
/** The unit of ProgressBar.bytes() bars (not a name a caller would pass). */
const BYTES = '\0bytes';
/** A byte bar is redrawn at most this often (ms), and when it reaches its total. */
const BYTES_REDRAW = 100;

export class ProgressBar {
  private done: number;
  private drawn = false;
  private readonly start: number;
  private lastDraw: number;
  /** Bytes only: how long no bytes have come, while stalled. */
  private silentMs: number | undefined;

  constructor(
    private readonly total: number,
    private readonly unit: string,
    private readonly stream: ProgressStream,
    private readonly now: () => number = () => performance.now(),
    /** Bytes only: what was there before (a resumed download), left out of the rate. */
    private readonly from = 0,
  ) {
    this.done = from;
    this.start = now();
    this.lastDraw = this.start;
    if (stream.isTTY && (total > 0 || Number.isNaN(total))) this.draw();
  }

  /** A download's bar: `total` bytes (undefined when unknown), `from` of them already there. */
  static bytes(
    total: number | undefined,
    stream: ProgressStream,
    options: { from?: number; now?: () => number; } = {},
  ): ProgressBar {
    return new ProgressBar(total ?? NaN, BYTES, stream, options.now, options.from ?? 0);
  }

  /** Bytes: `done` of them in so far. */
  set(done: number): void {
    this.done = done;
    this.silentMs = undefined;
    if (!this.stream.isTTY) return;
    const t = this.now();
    if (t - this.lastDraw < BYTES_REDRAW && done !== this.total) return;
    this.lastDraw = t;
    this.draw(t);
  }

  /** Bytes: none for `ms` so far; the line says so until the next set(). */
  stalled(ms: number): void {
    this.silentMs = ms;
    if (this.stream.isTTY) this.draw(this.now());
  }

  /** One more step done; `line` says which, in the plain form (e.g. "encoded photos/x.png"). */
  step(line: string): void {
    this.done++;
    if (this.stream.isTTY) this.draw();
    else this.stream.write(`${line} (${this.done}/${this.total})\n`);
  }

  /** Ends the bar's line, so that what is printed next (a summary, an error) starts on its own. */
  end(): void {
    if (this.drawn) this.stream.write('\n');
  }

  private draw(t?: number): void {
    let text = this.unit === BYTES
      ? this.bytesText(t ?? this.start)
      : this.barText(this.done / this.total) + ` ${this.done}/${this.total} ${this.unit}s`;
    if (this.unit !== BYTES && this.done > 0) {
      const perStep = (this.now() - this.start) / 1000 / this.done;
      text += `  ${perStep.toFixed(2)} s/${this.unit}  ${clock(perStep * (this.total - this.done))} left`;
    }
    // \x1b[K clears what a longer earlier drawing left to the right.
    this.stream.write(`\r${text}\x1b[K`);
    this.drawn = true;
  }

  private barText(fraction: number): string {
    const filled = Math.min(BAR_WIDTH, Math.round(BAR_WIDTH * fraction));
    return `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}]`;
  }

  /** "[####....] 12.0 MB/980.0 MB  8.5 MB/s  1:53 left", or "12.0 MB  8.5 MB/s" without a total. */
  private bytesText(t: number): string {
    const known = !Number.isNaN(this.total);
    let text = known
      ? `${this.barText(this.total > 0 ? this.done / this.total : 1)} ${formatBytes(this.done)}/${
        formatBytes(this.total)
      }`
      : formatBytes(this.done);
    const seconds = (t - this.start) / 1000;
    const rate = seconds > 0 ? (this.done - this.from) / seconds : 0;
    if (rate > 0) text += `  ${formatBytes(rate)}/s`;
    if (this.silentMs !== undefined) text += `  stalled ${Math.floor(this.silentMs / 1000)} s`;
    else if (rate > 0 && known) text += `  ${clock(Math.max(0, this.total - this.done) / rate)} left`;
    return text;
  }
}

/** Seconds as m:ss, or h:mm:ss from an hour up. */
function clock(seconds: number): string {
  const s = Math.round(seconds);
  const mmss = `${Math.floor(s / 60) % 60}:${String(s % 60).padStart(2, '0')}`;
  return s < 3600 ? mmss : `${Math.floor(s / 3600)}:${mmss.padStart(5, '0')}`;
}
