import * as assert from 'uvu/assert';
import { VqganError, type VqganErrorCode } from '../../src/core/errors.js';

/** Runs `fn` and checks it fails with a VqganError of `code` whose message holds every one of `parts`. */
export async function expectError(
  fn: () => unknown,
  code: VqganErrorCode,
  ...parts: (string | RegExp)[]
): Promise<void> {
  try {
    await fn();
  } catch (err) {
    if (!(err instanceof VqganError)) throw err;
    assert.is(err.code, code, err.message);
    for (const p of parts) {
      const found = typeof p === 'string' ? err.message.includes(p) : p.test(err.message);
      assert.ok(found, `message ${JSON.stringify(err.message)} lacks ${String(p)}`);
    }
    return;
  }
  assert.unreachable(`expected a ${code} error`);
}
