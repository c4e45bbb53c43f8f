/**
 * Which runtime this is, told once from its globals (no imports), and what it allows:
 * shared memory, blocking waits, environment variables.
 */
export type RuntimeKind = 'node' | 'deno' | 'browser';

const deno = (globalThis as { Deno?: { version?: { deno?: string; }; }; }).Deno;
const nodeVersion = typeof process !== 'undefined' && typeof process.versions?.node === 'string'
  ? process.versions.node
  : undefined;

export const runtime: RuntimeKind = deno !== undefined ? 'deno' : nodeVersion !== undefined ? 'node' : 'browser';

/** "Node 20.1.0", "Deno 2.0.0" or the browser's user agent, for benchmark reports. */
export function runtimeName(): string {
  if (runtime === 'deno') return `Deno ${deno?.version?.deno ?? '?'}`;
  if (runtime === 'node') return `Node ${nodeVersion}`;
  return typeof navigator !== 'undefined' ? navigator.userAgent : 'unknown runtime';
}

/**
 * Whether a WebAssembly memory can be shared with workers: browsers allow it only on
 * cross-origin isolated pages (served with COOP and COEP headers).
 */
export function canShareMemory(): boolean {
  const isolated = (globalThis as { crossOriginIsolated?: boolean; }).crossOriginIsolated;
  return typeof SharedArrayBuffer === 'function' && typeof Atomics === 'object' && isolated !== false;
}

/** Whether this thread may block in Atomics.wait (a browser's main thread may not). */
export function canBlock(): boolean {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}

/** An environment variable ('' counts as unset); always undefined in browsers, and in Deno without env access (never a prompt). */
export function envVar(name: string): string | undefined {
  type DenoEnv = {
    env: { get(n: string): string | undefined; };
    permissions?: { querySync?(d: { name: 'env'; variable: string; }): { state: string; }; };
  };
  try {
    const d = deno as DenoEnv | undefined;
    if (d !== undefined && d.permissions?.querySync?.({ name: 'env', variable: name }).state !== 'granted') {
      return undefined;
    }
    const value = d !== undefined ? d.env.get(name) : runtime === 'node' ? process.env?.[name] : undefined;
    return value === '' ? undefined : value;
  } catch {
    return undefined;
  }
}
