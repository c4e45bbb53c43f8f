/**
 * 1×1 convolution, twin of src/reference/conv1x1.ts: out = bias, then += w·x over ci in
 * order, a rounding after every multiply and add; residual + sum when there is one.
 * x (C_in, P), weight (C_out, C_in), out (C_out, P); residual 0 for none.
 * Register tile 4 output channels × 8 pixels; tails 4 × 4, then scalar; leftover output
 * channels one at a time. Computes output channels [co0, co1); co0 a multiple of 4.
 */
export function f32_conv1x1_4x8(
  x: usize, cin: i32, pixels: i32, weight: usize, bias: usize, out: usize, residual: usize, co0: i32, co1: i32,
): void {
  const plane = <usize>pixels << 2;
  const ws = <usize>cin << 2;
  let co = co0;
  for (; co + 4 <= co1; co += 4) {
    const wco = weight + <usize>co * ws;
    const b0 = f32x4.splat(load<f32>(bias + (<usize>co << 2)));
    const b1 = f32x4.splat(load<f32>(bias + (<usize>co << 2), 4));
    const b2 = f32x4.splat(load<f32>(bias + (<usize>co << 2), 8));
    const b3 = f32x4.splat(load<f32>(bias + (<usize>co << 2), 12));
    const orow = <usize>co * plane;
    let p = 0;
    for (; p + 8 <= pixels; p += 8) {
      let a00 = b0, a01 = b0, a10 = b1, a11 = b1, a20 = b2, a21 = b2, a30 = b3, a31 = b3;
      let px = x + (<usize>p << 2);
      for (let ci = 0; ci < cin; ci++) {
        const v0 = v128.load(px);
        const v1 = v128.load(px, 16);
        const pw = wco + (<usize>ci << 2);
        let w = v128.load32_splat(pw);
        a00 = f32x4.add(a00, f32x4.mul(w, v0)); a01 = f32x4.add(a01, f32x4.mul(w, v1));
        w = v128.load32_splat(pw + ws);
        a10 = f32x4.add(a10, f32x4.mul(w, v0)); a11 = f32x4.add(a11, f32x4.mul(w, v1));
        w = v128.load32_splat(pw + 2 * ws);
        a20 = f32x4.add(a20, f32x4.mul(w, v0)); a21 = f32x4.add(a21, f32x4.mul(w, v1));
        w = v128.load32_splat(pw + 3 * ws);
        a30 = f32x4.add(a30, f32x4.mul(w, v0)); a31 = f32x4.add(a31, f32x4.mul(w, v1));
        px += plane;
      }
      const o = orow + (<usize>p << 2);
      store4(out, residual, o, a00); store4(out, residual, o + 16, a01);
      store4(out, residual, o + plane, a10); store4(out, residual, o + plane + 16, a11);
      store4(out, residual, o + 2 * plane, a20); store4(out, residual, o + 2 * plane + 16, a21);
      store4(out, residual, o + 3 * plane, a30); store4(out, residual, o + 3 * plane + 16, a31);
    }
    for (; p + 4 <= pixels; p += 4) {
      let a0 = b0, a1 = b1, a2 = b2, a3 = b3;
      let px = x + (<usize>p << 2);
      for (let ci = 0; ci < cin; ci++) {
        const v = v128.load(px);
        const pw = wco + (<usize>ci << 2);
        a0 = f32x4.add(a0, f32x4.mul(v128.load32_splat(pw), v));
        a1 = f32x4.add(a1, f32x4.mul(v128.load32_splat(pw + ws), v));
        a2 = f32x4.add(a2, f32x4.mul(v128.load32_splat(pw + 2 * ws), v));
        a3 = f32x4.add(a3, f32x4.mul(v128.load32_splat(pw + 3 * ws), v));
        px += plane;
      }
      const o = orow + (<usize>p << 2);
      store4(out, residual, o, a0);
      store4(out, residual, o + plane, a1);
      store4(out, residual, o + 2 * plane, a2);
      store4(out, residual, o + 3 * plane, a3);
    }
    for (; p < pixels; p++) {
      for (let i = 0; i < 4; i++) {
        scalarPixel(x + (<usize>p << 2), plane, cin, wco + <usize>i * ws, load<f32>(bias + (<usize>(co + i) << 2)),
          out, residual, orow + <usize>i * plane + (<usize>p << 2));
      }
    }
  }
  for (; co < co1; co++) {
    const wco = weight + <usize>co * ws;
    const bco = load<f32>(bias + (<usize>co << 2));
    const orow = <usize>co * plane;
    let p = 0;
    for (; p + 4 <= pixels; p += 4) {
      let a = f32x4.splat(bco);
      let px = x + (<usize>p << 2);
      for (let ci = 0; ci < cin; ci++) {
        a = f32x4.add(a, f32x4.mul(v128.load32_splat(wco + (<usize>ci << 2)), v128.load(px)));
        px += plane;
      }
      store4(out, residual, orow + (<usize>p << 2), a);
    }
    for (; p < pixels; p++) {
      scalarPixel(x + (<usize>p << 2), plane, cin, wco, bco, out, residual, orow + (<usize>p << 2));
    }
  }
}

// @ts-ignore: decorator
@inline
function store4(out: usize, residual: usize, o: usize, acc: v128): void {
  if (residual != 0) acc = f32x4.add(v128.load(residual + o), acc);
  v128.store(out + o, acc);
}

// @ts-ignore: decorator
@inline
function scalarPixel(px: usize, plane: usize, cin: i32, pw: usize, bias: f32, out: usize, residual: usize, o: usize): void {
  let acc = bias;
  for (let ci = 0; ci < cin; ci++) {
    acc += load<f32>(pw + (<usize>ci << 2)) * load<f32>(px);
    px += plane;
  }
  if (residual != 0) acc = load<f32>(residual + o) + acc;
  store<f32>(out + o, acc);
}
