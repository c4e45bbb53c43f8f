/**
 * Preconditions. The debug build (asconfig.json, target debug) checks them: a failed one
 * calls the host's env.abort with its message, file and line. Release builds compile them
 * away (noAssert), so they cost nothing there.
 */

/** A ranged kernel's range [lo, hi) of its `total` outputs (rows, channels, items …). */
// @ts-ignore: decorator
@inline
export function assertRange(lo: i32, hi: i32, total: i32): void {
  assert(0 <= lo && lo <= hi && hi <= total, 'range [lo, hi) must lie in [0, total]');
}
