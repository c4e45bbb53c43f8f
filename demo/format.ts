/** Numbers as the demo page shows them (bytes: src/core/format_bytes.ts, as the CLI shows them). */

/** 12.3 → "12 ms", 2345 → "2.35 s". */
export function formatDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

/** 0.4267 → "43%". */
export function formatPercent(fraction: number): string {
  return `${Math.floor(fraction * 100)}%`;
}
