/**
 * The command line's side of the hub: `--weights` (a file, a URL or a hub id; the default
 * model when left out), `vqgan fetch [ID]`, and what a download shows on stderr: a byte
 * bar on a terminal (saying "stalled 4 s" while no bytes come), and elsewhere one line
 * when a download starts and one when it ends; a line for each retry on both.
 */
import { VqganError } from '../core/errors.js';
import { ProgressBar, type ProgressStream } from './progress_bar.js';
import { formatBytes } from '../core/format_bytes.js';
import { secondsText } from '../platform/retry.js';
import type { DownloadObserver } from '../hub/download.js';
import { fetchHubModel, type HubModel } from '../hub/fetch_model.js';
import { DEFAULT_MODEL, formatHubId } from '../hub/hub_id.js';
import { hubIdOf } from '../hub/resolve.js';

export function stderrStream(): ProgressStream {
  return { isTTY: process.stderr.isTTY === true, write: (text) => void process.stderr.write(text) };
}

/** Download lines (and on a terminal a bar) for the CLI. */
export function terminalObserver(stream: ProgressStream): DownloadObserver {
  let bar: ProgressBar | undefined;
  return {
    start({ label, url, total, resumeAt }) {
      const size = total === undefined ? '' : `, ${formatBytes(total)}`;
      const resume = resumeAt > 0 ? `, resuming at ${formatBytes(resumeAt)}` : '';
      stream.write(`downloading ${label} from ${url.split('?')[0]}${size}${resume}\n`);
      if (stream.isTTY) bar = ProgressBar.bytes(total, stream, { from: resumeAt });
    },
    progress(loaded) {
      bar?.set(loaded);
    },
    stalled({ ms }) {
      bar?.stalled(ms);
    },
    retry({ label, cause, next, tries, delayMs }) {
      // The bar's line ends here; the next try's start begins a new one ("resuming at").
      bar?.end();
      bar = undefined;
      stream.write(`${label}: ${cause}; retry ${next}/${tries} in ${secondsText(delayMs)}\n`);
    },
    end({ label, dest, bytes, outcome }) {
      bar?.end();
      bar = undefined;
      if (outcome === 'done') stream.write(`downloaded ${label} to ${dest} (${formatBytes(bytes)})\n`);
      else if (outcome === 'stopped') stream.write(`download of ${label} stopped at ${formatBytes(bytes)}\n`);
      // 'rejected': the error that follows says why.
    },
  };
}

/**
 * What the CLI hands to the loader for `--weights` (DEFAULT_MODEL when left out): a hub
 * id becomes the path of its weights in the cache, downloaded first if need be; a file or
 * URL stays as it is.
 */
export async function weightsForCli(
  spec: string | undefined,
  stream: ProgressStream = stderrStream(),
): Promise<string> {
  const text = spec ?? DEFAULT_MODEL;
  const id = await hubIdOf(text);
  if (id === undefined) return text;
  const model = await fetchHubModel(id, { observer: terminalObserver(stream) });
  return model.weights as string;
}

/** `vqgan fetch [ID]`: downloads (or finds in the cache) and prints the files' paths on stdout, one a line. */
export async function fetchCommand(
  spec: string | undefined,
  stream: ProgressStream = stderrStream(),
): Promise<HubModel> {
  const text = spec ?? DEFAULT_MODEL;
  const id = await hubIdOf(text);
  if (id === undefined) {
    throw new VqganError(
      'BAD_ARGUMENT',
      `vqgan fetch ${text}: not a hub id; expected OWNER/NAME[/FOLDER][/FILE][@REVISION] (e.g. ${DEFAULT_MODEL}) that is not an existing path`,
    );
  }
  const model = await fetchHubModel(id, { observer: terminalObserver(stream) });
  const files = [model.weights as string, ...(model.config?.path === undefined ? [] : [model.config.path])];
  process.stdout.write(files.map((f) => `${f}\n`).join(''));
  const config = model.config === undefined ? 'no configuration file on the hub' : model.config.name;
  stream.write(
    `${formatHubId({ ...id, revision: 'main' })}@${id.revision}: ${
      model.downloaded ? 'downloaded into' : 'already in'
    } ${model.folder} (${files[0]!.slice(model.folder!.length + 1)}, ${config})\n`,
  );
  return model;
}
