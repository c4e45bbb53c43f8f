/**
 * A download's watchdog: one per try. Its `signal` goes to fetch; every sign of life
 * (response headers, a body chunk) calls kick(). After `stallMs` without one it aborts
 * the signal, which makes the pending fetch or body read reject, so a server that sends
 * headers and then nothing ends the try instead of hanging it. A slow but steady body is
 * never aborted: only the time since the last chunk counts. From `min(2 s, stallMs / 2)`
 * of silence on, `onSilence(ms)` is called about every `min(1 s, stallMs / 4)`, for a
 * display that says "stalled 4 s".
 */

const NOTICE_MS = 2000;
const NOTICE_EVERY_MS = 1000;

export class StallWatch {
  private readonly controller = new AbortController();
  /** Aborted once `stallMs` pass without a kick(). */
  readonly signal: AbortSignal = this.controller.signal;
  private last: number;
  private held = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly notice: number;
  private readonly every: number;

  constructor(
    readonly stallMs: number,
    private readonly onSilence?: (ms: number) => void,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.notice = Math.min(NOTICE_MS, stallMs / 2);
    this.every = Math.min(NOTICE_EVERY_MS, stallMs / 4);
    this.last = now();
    this.tick();
  }

  /** Data came: the silence starts again (the timer checks the time when it fires, so this stays cheap). */
  kick(): void {
    this.last = this.now();
    this.held = false;
  }

  /** Local work under way (hashing the bytes already on disk): no stall counts until the next kick(). */
  hold(): void {
    this.held = true;
  }

  /** Whether this watch aborted its signal (the try stalled), as opposed to another failure. */
  get stalled(): boolean {
    return this.signal.aborted;
  }

  /** The try is over: no more timer. */
  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private tick(): void {
    if (this.held) this.last = this.now();
    const silent = this.now() - this.last;
    if (silent >= this.stallMs) {
      this.timer = undefined;
      this.controller.abort();
      return;
    }
    let next = this.notice;
    if (silent >= this.notice) {
      this.onSilence?.(silent);
      next = silent + this.every;
    }
    this.timer = setTimeout(() => this.tick(), Math.max(1, Math.min(next, this.stallMs) - silent));
  }
}
