/** Comparing float32 arrays bit for bit, with a message that says where and by how much. */
import * as assert from 'uvu/assert';

/** Bitwise equality, so that −0 vs 0 or one ulp would show. */
export function assertSameFloats(actual: Float32Array, expected: Float32Array, label: string): void {
  assert.is(actual.length, expected.length, `${label}: length`);
  const a = new Uint32Array(actual.buffer, actual.byteOffset, actual.length);
  const e = new Uint32Array(expected.buffer, expected.byteOffset, expected.length);
  let count = 0;
  let first = -1;
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i] === e[i]) continue;
    count++;
    if (first < 0) first = i;
    max = Math.max(max, Math.abs(actual[i]! - expected[i]!));
  }
  if (count > 0) {
    assert.unreachable(
      `${label}: ${count} values differ (max ${max}); first at ${first}: ${actual[first]} vs ${expected[first]}`,
    );
  }
}
