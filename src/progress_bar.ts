/**
 * Progress of a run of N steps. On a terminal: one bar redrawn in place with done/total,
 * seconds per step and time left. Anywhere else (a pipe, a log file) carriage returns
 * would pile up into one unreadable line, so each step gets a plain line instead.
 */

export interface ProgressStream {
  readonly isTTY: boolean;
  write(text: string): void;
}

const BAR_WIDTH = 24;

export class ProgressBar {
  private done = 0;
  private drawn = false;
  private readonly start: number;

  constructor(
    private readonly total: number,
    private readonly unit: string,
    private readonly stream: ProgressStream,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.start = now();
    if (stream.isTTY && total > 0) this.draw();
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

  private draw(): void {
    const filled = Math.round((BAR_WIDTH * this.done) / this.total);
    let text = `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${this.done}/${this.total} ${this.unit}s`;
    if (this.done > 0) {
      const perStep = (this.now() - this.start) / 1000 / this.done;
      text += `  ${perStep.toFixed(2)} s/${this.unit}  ${clock(perStep * (this.total - this.done))} left`;
    }
    // \x1b[K clears what a longer earlier drawing left to the right.
    this.stream.write(`\r${text}\x1b[K`);
    this.drawn = true;
  }
}

/** Seconds as m:ss, or h:mm:ss from an hour up. */
function clock(seconds: number): string {
  const s = Math.round(seconds);
  const mmss = `${Math.floor(s / 60) % 60}:${String(s % 60).padStart(2, '0')}`;
  return s < 3600 ? mmss : `${Math.floor(s / 3600)}:${mmss.padStart(5, '0')}`;
}
