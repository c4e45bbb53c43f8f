/** What the host needs to know about the module's own use of linear memory. */

/**
 * The first byte past the module's static data, from which the host allocates its buffers:
 * asc keeps the first KiB free (1024 in release builds, which have no data), the debug
 * build's assert messages lie above it.
 */
export function heap_base(): usize {
  return __heap_base;
}
