/**
 * A seeded xorshift32 stream. Each fuzz input draws from its own stream, keyed by the
 * format, the run's seed and the input's number, so any one input can be made again
 * alone, on any machine.
 */
export class Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0 || 0x9e3779b9; // xorshift never leaves 0
  }

  /** The stream for these parts (FNV-1a of their text). */
  static of(...parts: readonly (string | number)[]): Random {
    const text = parts.join(':');
    let h = 0x811c9dc5;
    for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
    return new Random(h);
  }

  u32(): number {
    let s = this.state;
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (this.state = s >>> 0);
  }

  /** An integer in [0, n). */
  below(n: number): number {
    return Math.floor((this.u32() / 2 ** 32) * n);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)]!;
  }
}
