/** Numbers as the demo page shows them. */

/** 1536 → "1.5 KB", 3.2e8 → "305.2 MB" (binary multiples). */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/** 12.3 → "12 ms", 2345 → "2.35 s". */
export function formatDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

/** 0.4267 → "43%". */
export function formatPercent(fraction: number): string {
  return `${Math.floor(fraction * 100)}%`;
}
