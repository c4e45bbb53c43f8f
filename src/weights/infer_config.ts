/**
 * The configuration a set of taming-named tensors implies: every size from the shapes,
 * attention from which attention tensors exist, the quantizer from its keys. A
 * configuration file must agree with it; without one, it is the configuration (with the
 * native resolution 256, taming's default, which only places attention).
 */
import { VqganError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { levelResolutions, variants, type VqganConfig } from '../model/config.js';

/** What the tensors say; attention as levels (index from the top) rather than resolutions. */
export interface InferredShape {
  readonly ch: number;
  readonly ch_mult: readonly number[];
  readonly num_res_blocks: number;
  readonly z_channels: number;
  readonly in_channels: number;
  readonly out_ch: number;
  readonly embed_dim: number;
  readonly n_embed: number;
  /** undefined where the keys cannot tell: taming's names serve 'nearest' and 'l2norm' alike. */
  readonly quantizer: VqganConfig['quantizer'];
  /** Levels whose blocks have attention. */
  readonly attentionLevels: readonly number[];
  readonly midAttention: boolean;
}

/** `quantizer`: what the layout implies (LlamaGen's 'l2norm'), where the keys cannot show it. */
export function inferShape(
  tensors: ReadonlyMap<string, Tensor>,
  source: string,
  quantizer?: VqganConfig['quantizer'],
): InferredShape {
  const shape = (key: string): readonly number[] | undefined => tensors.get(key)?.shape;
  const need = (key: string): readonly number[] => {
    const s = shape(key);
    if (s === undefined) throw new VqganError('MISSING_KEY', `${source}: model tensor ${key} is missing`);
    return s;
  };
  const convIn = need('encoder.conv_in.weight'); // (ch, in_channels, 3, 3)
  const ch = convIn[0]!;
  const ch_mult: number[] = [];
  for (let i = 0; shape(`encoder.down.${i}.block.0.conv1.weight`) !== undefined; i++) {
    ch_mult.push(need(`encoder.down.${i}.block.0.conv1.weight`)[0]! / ch); // (ch·ch_mult[i], C_in, 3, 3)
  }
  let num_res_blocks = 0;
  while (shape(`encoder.down.0.block.${num_res_blocks}.conv1.weight`) !== undefined) num_res_blocks++;
  const gumbel = shape('quantize.proj.weight') !== undefined;
  const codebook = need(gumbel ? 'quantize.embed.weight' : 'quantize.embedding.weight'); // (n_embed, embed_dim)
  return {
    ch,
    ch_mult,
    num_res_blocks,
    z_channels: need('encoder.conv_out.weight')[0]!,
    in_channels: convIn[1]!,
    out_ch: need('decoder.conv_out.weight')[0]!,
    embed_dim: codebook[1]!,
    n_embed: codebook[0]!,
    quantizer: gumbel ? 'gumbel' : quantizer,
    attentionLevels: ch_mult.flatMap((_, i) => (shape(`encoder.down.${i}.attn.0.q.weight`) === undefined ? [] : [i])),
    midAttention: shape('encoder.mid.attn_1.q.weight') !== undefined,
  };
}

/** The configuration of the shapes alone, at `resolution`. */
export function configOfShape(s: InferredShape, source: string, resolution = 256): VqganConfig {
  if (!s.midAttention && s.attentionLevels.length > 0) {
    throw new VqganError('UNSUPPORTED', `${source}: attention in the levels but not in the middle: no known layout`);
  }
  const { attentionLevels, midAttention, quantizer, ...sizes } = s;
  const at = levelResolutions(resolution, sizes.ch_mult.length);
  return Object.freeze({
    ...sizes,
    resolution,
    attn_resolutions: attentionLevels.map((i) => at[i]!),
    ...variants(midAttention ? 'vanilla' : 'none', quantizer ?? 'nearest'),
  });
}

/**
 * Throws BAD_VALUE naming the first value of `config` (from `source`) that the tensors
 * contradict; of the `stated` values only, where given.
 */
export function checkAgreement(
  config: VqganConfig,
  s: InferredShape,
  source: string,
  stated?: readonly (keyof VqganConfig)[],
): void {
  const show = (v: unknown): string => JSON.stringify(v);
  // boris's variants where a configuration leaves them out.
  const withDefaults = (c: VqganConfig): Record<string, unknown> => ({
    attn_type: 'vanilla',
    quantizer: 'nearest',
    ...c,
  });
  // Where the keys cannot tell the quantizer, a file's 'nearest' or 'l2norm' stands.
  const undecided = s.quantizer === undefined && config.quantizer === 'l2norm';
  const fromShapes = withDefaults(
    configOfShape(undecided ? { ...s, quantizer: 'l2norm' } : s, source, config.resolution),
  );
  const file: Record<string, unknown> = {
    ...withDefaults(config),
    // Attention the file places by taming's rule, as levels, since only levels exist in the weights.
    attn_resolutions: config.attn_type === 'none'
      ? []
      : levelResolutions(config.resolution, config.ch_mult.length).filter((r) => config.attn_resolutions.includes(r)),
  };
  for (const key of stated ?? Object.keys(fromShapes)) {
    if (show(file[key]) !== show(fromShapes[key])) {
      throw new VqganError(
        'BAD_VALUE',
        `${source}: configuration ${key} = ${show(file[key])}, but the weights' shapes say ${show(fromShapes[key])}`,
      );
    }
  }
}
