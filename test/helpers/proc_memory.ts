import { readFileSync } from 'node:fs';

/**
 * This process's peak resident set, Linux's VmHWM (/proc/self/status): it starts afresh
 * at exec, where getrusage's maxRSS keeps the parent's high-water mark from before the fork.
 */
export function highWaterMark(): number {
  const kb = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
  if (kb === null) throw new Error('no VmHWM in /proc/self/status: this measurement needs Linux');
  return Number(kb[1]) * 1024;
}
