/**
 * Messages between the public API (src/api/vqgan.ts) and the engine in its worker
 * (./engine_server.ts). Tensors travel as shape + data (their buffers transferred, not
 * copied, on the way back); errors as code + message, so that a VqganError arrives as
 * one. Callbacks stay on the calling side: the worker sends progress messages instead.
 */
import { VqganError, type VqganErrorCode } from '../core/errors.js';
import type { PresetName } from '../image/presets.js';
import type { VqganConfig } from '../model/config.js';
import { Tensor } from '../core/tensor.js';
import type { TokenGrid } from '../core/tokens.js';
import type { WeightsInput } from '../weights/load.js';
import type { ImageLike, LoadOptions } from './engine.js';
import type { BackendName, ComputeMode } from '../compute/backend.js';

/** A tensor as structured clone keeps it. */
export interface TensorData {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

export const tensorData = (t: Tensor): TensorData => ({ shape: t.shape, data: t.data });
export const tensorOf = (t: TensorData): Tensor => new Tensor(t.shape, t.data);

/** What the API shows of a loaded engine. */
export interface EngineInfo {
  readonly config: VqganConfig;
  readonly backend: BackendName;
  readonly threads: number;
  readonly mode: ComputeMode;
  readonly factor: number;
  readonly maxPixels: number;
}

export type LoadRequest = {
  readonly type: 'load';
  readonly weights: Exclude<WeightsInput, URL>;
  /** LoadOptions without its callbacks and signal. */
  readonly options: Omit<LoadOptions, 'onProgress' | 'signal' | 'worker'>;
  readonly progress: boolean;
  /** An Int32Array's buffer whose slot 0 becomes 1 when the running request is aborted (where memory can be shared). */
  readonly abortFlag: SharedArrayBuffer | undefined;
};

export type RunRequest =
  | {
    readonly type: 'encode';
    readonly input: ImageLike | TensorData;
    readonly isTensor: boolean;
    readonly preset?: PresetName;
    readonly size?: number | readonly [number, number];
  }
  | { readonly type: 'decode'; readonly grid: TokenGrid; readonly image: boolean; readonly preset?: PresetName; };

export type Request = LoadRequest | (RunRequest & { readonly id: number; readonly progress: boolean; });

export interface ErrorData {
  readonly code: VqganErrorCode | undefined;
  readonly message: string;
}

export type Reply =
  | { readonly type: 'loaded'; readonly info: EngineInfo; }
  | { readonly type: 'load-progress'; readonly loaded: number; readonly total: number | undefined; }
  | { readonly type: 'progress'; readonly id: number; readonly fraction: number; }
  | { readonly type: 'result'; readonly id: number; readonly value: unknown; }
  | { readonly type: 'error'; readonly id: number | undefined; readonly error: ErrorData; };

export function errorData(err: unknown): ErrorData {
  if (err instanceof VqganError) return { code: err.code, message: err.message };
  return { code: undefined, message: err instanceof Error ? err.message : String(err) };
}

/** A VqganError again; anything else (a bug of this project) as a plain Error. */
export function errorFrom(data: ErrorData): Error {
  return data.code === undefined ? new Error(data.message) : new VqganError(data.code, data.message);
}
