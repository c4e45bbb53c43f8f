/**
 * The project's one error type. Every loader, decoder and op throws it with a code
 * and a message that names the file, key, shape or value at fault; the CLI prints
 * the message and exits non-zero.
 */
export type VqganErrorCode =
  | 'NOT_FOUND' // a file, folder or URL (HTTP 404, 410) that does not exist
  | 'ACCESS_DENIED' // a file without read permission, or a URL answering HTTP 401 or 403
  | 'READ_FAILED' // a file that exists but cannot be read (a folder, a device, an I/O error)
  | 'WRITE_FAILED' // a file or folder that cannot be written or created
  | 'NETWORK' // a request that failed, was interrupted or redirected badly, or another HTTP error
  | 'BAD_FORMAT' // bytes that are not what the reader expects (truncated, corrupt, wrong kind)
  | 'UNSAFE_PICKLE' // a pickle that asks for a global we refuse to touch
  | 'UNSUPPORTED' // a valid file using a feature we do not read (a dtype, a compression)
  | 'MISSING_KEY' // a model tensor absent from the weights
  | 'UNEXPECTED_KEY' // a tensor in the weights that the model does not have
  | 'BAD_SHAPE' // a tensor whose shape does not fit the configuration or the op
  | 'BAD_VALUE' // a value out of range (a token >= n_embed, a size not a multiple of 16)
  | 'TOO_LARGE' // a size over a limit: the pixel limit, or what WebAssembly memory holds
  | 'BAD_ARGUMENT' // a CLI or API argument that makes no sense
  | 'ABORTED' // a request whose AbortSignal fired (the error's name is then 'AbortError')
  | 'WORKER_FAILED'; // the engine's worker could not start or died

export class VqganError extends Error {
  readonly code: VqganErrorCode;
  constructor(code: VqganErrorCode, message: string) {
    super(message);
    this.name = code === 'ABORTED' ? 'AbortError' : 'VqganError';
    this.code = code;
  }
}

/** The code for an HTTP error status: a missing resource, a refusal, or any other failure. */
export function httpStatusCode(status: number): VqganErrorCode {
  if (status === 404 || status === 410) return 'NOT_FOUND';
  return status === 401 || status === 403 ? 'ACCESS_DENIED' : 'NETWORK';
}

/** `[1, 3, 256, 256]` style text for messages. */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}
