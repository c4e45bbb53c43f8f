/**
 * `vqgan encode` over many images into one JSON Lines file: the list of inputs (folders
 * expanded), resuming an existing output, and the loop that appends each image's line as
 * soon as it is done. A run that is stopped loses at most the image it was on, and
 * running the same command again finishes the file with the bytes an uninterrupted run
 * would have written.
 */
import { joinPath } from '../platform/paths.js';
import { platform } from '../platform/platform.js';
import { VqganError } from '../core/errors.js';
import { tokenGridFromJson, tokensToJson } from '../io/token_file.js';
import { ProgressBar, type ProgressStream } from './progress_bar.js';
import type { TokenGrid } from '../core/tokens.js';

const IMAGE_NAME = /\.(png|jpe?g)$/i;

/** How every line that tokensToJson writes with a file name begins. */
const LINE_START = '{"file":';

export interface InputList {
  /** The files to encode, each once, in order: paths as given, a folder's images joined to it. */
  readonly files: string[];
  readonly hasFolder: boolean;
}

/**
 * Expands each folder into its images (not recursing), sorted by code unit rather than
 * by locale so that every machine lists a folder in the same order. A file named twice
 * is kept at its first place only: a resumed run skips it by name, so an uninterrupted
 * run must not write it twice either.
 */
export async function listInputs(inputs: readonly string[]): Promise<InputList> {
  const files = new Set<string>();
  let hasFolder = false;
  for (const input of inputs) {
    if (!(await platform().files.isFolder(input))) {
      files.add(input);
      continue;
    }
    hasFolder = true;
    const images = (await platform().files.listFiles(input)).filter((name) => IMAGE_NAME.test(name)).sort();
    if (images.length === 0) {
      throw new VqganError('NOT_FOUND', `${input}: no .png, .jpg or .jpeg images in this folder`);
    }
    for (const name of images) files.add(/[\\/]$/.test(input) ? `${input}${name}` : joinPath(input, name));
  }
  return { files: [...files], hasFolder };
}

/**
 * The files an existing output already holds, to be skipped. A last line without its
 * newline is what a run killed mid-write leaves: it is cut off, and its image encoded
 * again. Any other line that is not a record of ours is an error and the file is left
 * as it is: this never writes over a file it did not make.
 */
export async function resumeOutput(out: string): Promise<Set<string>> {
  const done = new Set<string>();
  const bytes = await platform().files.readBytesIfExists(out);
  if (bytes === undefined) return done;
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const complete = bytes.lastIndexOf(0x0a) + 1;
  let line = 1;
  for (let start = 0; start < complete; line++) {
    const end = bytes.indexOf(0x0a, start);
    done.add(recordFile(decoder, bytes.subarray(start, end), `${out} line ${line}`));
    start = end + 1;
  }
  const partial = bytes.subarray(complete);
  if (partial.length > 0) {
    const ours = partial.subarray(0, LINE_START.length).every((b, i) => b === LINE_START.charCodeAt(i));
    if (!ours) {
      throw new VqganError(
        'BAD_FORMAT',
        `${out} line ${line}: has no newline and is not the start of a {"file": …} record`,
      );
    }
    await platform().files.truncateFile(out, complete);
  }
  return done;
}

/** The "file" of one complete line, which must be a whole record. */
function recordFile(decoder: TextDecoder, bytes: Uint8Array, name: string): string {
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(bytes));
  } catch (err) {
    throw new VqganError('BAD_FORMAT', `${name}: not a JSON record (${(err as Error).message})`);
  }
  const file = (value as { file?: unknown; } | null)?.file;
  if (typeof file !== 'string') {
    throw new VqganError('BAD_FORMAT', `${name}: expected {"file": "…", "height": h, "width": w, "tokens": […]}`);
  }
  tokenGridFromJson(value, name);
  return file;
}

export interface BatchReport {
  readonly encoded: number;
  readonly skipped: number;
}

/**
 * Encodes the files that `done` lacks, in order, appending each line to `out` as soon as
 * it is done. One file ahead is started early: its reading and decoding on this thread
 * overlap the engine's encoding of the one before, in its worker. A failure stops the
 * run; the lines before it stay, complete.
 */
export async function encodeBatch(
  files: readonly string[],
  done: ReadonlySet<string>,
  out: string,
  encodeOne: (file: string) => Promise<TokenGrid>,
  stream: ProgressStream,
): Promise<BatchReport> {
  const todo = files.filter((file) => !done.has(file));
  const progress = new ProgressBar(todo.length, 'image', stream);
  const start = (i: number): Promise<TokenGrid> | undefined => {
    if (i >= todo.length) return undefined;
    const pending = encodeOne(todo[i]!);
    pending.catch(() => undefined); // reported when its turn comes, if the run gets there
    return pending;
  };
  try {
    let next = start(0);
    for (let i = 0; i < todo.length; i++) {
      const current = next!;
      next = start(i + 1);
      await platform().files.appendToFile(out, tokensToJson(await current, todo[i]!));
      progress.step(`encoded ${todo[i]}`);
    }
  } finally {
    progress.end();
  }
  return { encoded: todo.length, skipped: files.length - todo.length };
}
