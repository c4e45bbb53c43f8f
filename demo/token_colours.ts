/**
 * One colour per token id, the same on every run and in every browser: the id is hashed
 * (a multiplicative hash, so neighbouring ids land far apart) into a hue, a saturation
 * and a lightness, kept in a band where colours stay distinct and never near black or white.
 */
export type Rgb = readonly [number, number, number];

export function tokenColour(id: number): Rgb {
  const h = Math.imul(id + 1, 0x9e3779b1) >>> 0; // 2^32 / golden ratio
  const hue = (h >>> 16) / 65536; // top 16 bits: 0 ≤ hue < 1
  const saturation = 0.55 + ((h >>> 8) & 0xff) / 255 * 0.35;
  const lightness = 0.38 + (h & 0xff) / 255 * 0.3;
  return hslToRgb(hue, saturation, lightness);
}

/** CSS's hsl() → sRGB bytes, all inputs in [0, 1]. */
function hslToRgb(hue: number, saturation: number, lightness: number): Rgb {
  const a = saturation * Math.min(lightness, 1 - lightness);
  const channel = (n: number): number => {
    const k = (n + hue * 12) % 12;
    return Math.round(255 * (lightness - a * Math.max(-1, Math.min(k - 3, 9 - k, 1))));
  };
  return [channel(0), channel(8), channel(4)];
}

export function cssColour([r, g, b]: Rgb, alpha = 1): string {
  return alpha === 1 ? `rgb(${r} ${g} ${b})` : `rgb(${r} ${g} ${b} / ${alpha})`;
}
