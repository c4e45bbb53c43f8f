/**
 * The demo page's controller: reads the user's choices (weights, image, preset, size,
 * threads), hands the work to the engine worker (demo/engine_worker.ts) and shows what
 * comes back: progress, timings, the images, the tokens. Every error ends up in the
 * page's error box, not only in the console.
 */
import type { PresetName } from '../src/image/presets.js';
import { formatBytes } from '../src/progress_bar.js';
import { formatDuration, formatPercent } from './format.js';
import type { Reply, Request, RgbaImage, RunResult } from './protocol.js';
import { readImage } from './read_image.js';
import { drawRgb, drawTokenMap, fillTokenTable } from './render.js';

const TINY_CHECKPOINT = '/test/fixtures/tiny/tiny.ckpt';
const SAMPLE_IMAGE = '/test/fixtures/tiny/golden/mountain_256x256.png';

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (found === null) throw new Error(`demo page: no element #${id}`);
  return found as T;
}

const ui = {
  isolation: element('isolation'),
  weightsFile: element<HTMLInputElement>('weights-file'),
  weightsUrl: element<HTMLInputElement>('weights-url'),
  weightsUrlLoad: element<HTMLButtonElement>('weights-url-load'),
  useTiny: element<HTMLButtonElement>('use-tiny'),
  loadProgress: element<HTMLProgressElement>('load-progress'),
  loadPercent: element('load-percent'),
  loadText: element('load-text'),
  dropZone: element('drop-zone'),
  imageFile: element<HTMLInputElement>('image-file'),
  imageText: element('image-text'),
  useSample: element<HTMLButtonElement>('use-sample'),
  preset: element<HTMLSelectElement>('preset'),
  size: element<HTMLSelectElement>('size'),
  threads: element<HTMLInputElement>('threads'),
  status: element('status'),
  encodeProgress: element<HTMLProgressElement>('encode-progress'),
  encodePercent: element('encode-percent'),
  decodeProgress: element<HTMLProgressElement>('decode-progress'),
  decodePercent: element('decode-percent'),
  error: element('error'),
  timeLoad: element('time-load'),
  timeEncode: element('time-encode'),
  timeDecode: element('time-decode'),
  threadsUsed: element('threads-used'),
  modelInfo: element('model-info'),
  inputCanvas: element<HTMLCanvasElement>('input-canvas'),
  inputCaption: element('input-caption'),
  reconstructionCanvas: element<HTMLCanvasElement>('reconstruction-canvas'),
  tokenMap: element<HTMLCanvasElement>('token-map'),
  mapCaption: element('map-caption'),
  tokenTable: element<HTMLTableElement>('token-table'),
  tokensJson: element<HTMLTextAreaElement>('tokens-json'),
};

type State = 'idle' | 'loading' | 'ready' | 'running' | 'done' | 'error';

function setStatus(state: State, text: string): void {
  ui.status.dataset.state = state;
  ui.status.textContent = text;
}

function showError(message: string): void {
  ui.error.textContent = message;
  ui.error.hidden = false;
  setStatus('error', 'Failed: see below.');
}

function clearError(): void {
  ui.error.hidden = true;
  ui.error.textContent = '';
}

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

// ---- Cross-origin isolation: threads or not ----

const isolated = globalThis.crossOriginIsolated === true;
ui.isolation.textContent = isolated ? 'cross-origin isolated: threads on' : 'not cross-origin isolated: running on one thread';
ui.isolation.className = `badge ${isolated ? 'ok' : 'warn'}`;
ui.threads.value = String(isolated ? Math.max(1, navigator.hardwareConcurrency || 1) : 1);
ui.threads.disabled = !isolated;
if (!isolated) ui.threads.title = 'Threads need a cross-origin isolated page (COOP and COEP headers)';

// ---- The worker ----

const worker = new Worker(new URL('./engine_worker.js', import.meta.url), { type: 'module' });
worker.addEventListener('error', (e) => showError(`The engine worker failed: ${e.message || 'it could not start (see the console)'}`));
worker.addEventListener('messageerror', () => showError('The engine worker sent a message the page could not read.'));

function send(request: Request): void {
  worker.postMessage(request);
}

/** What was loaded last, to load again when the thread count changes. */
let weights: File | string | undefined;
let weightsState: 'none' | 'loading' | 'ready' | 'failed' = 'none';
let image: RgbaImage | undefined;
let runId = 0;

/** A file's name, or a URL's last path segment. */
function weightsName(source: File | string): string {
  return typeof source === 'string' ? new URL(source).pathname.split('/').at(-1) || source : source.name;
}

function threadCount(): number {
  const n = Number(ui.threads.value);
  return Number.isInteger(n) && n >= 1 ? n : 1;
}

function loadWeights(source: File | string): void {
  clearError();
  weights = source;
  weightsState = 'loading';
  const name = weightsName(source);
  setProgress(ui.loadProgress, ui.loadPercent, 0);
  ui.loadText.textContent = `Reading ${name}…`;
  setStatus('loading', 'Loading the weights…');
  for (const id of ['timeLoad', 'threadsUsed', 'modelInfo'] as const) ui[id].textContent = '–';
  send({ type: 'load', weights: source, threads: threadCount() });
  runIfReady();
}

/** Runs whenever there are weights (loaded or on their way) and an image. */
function runIfReady(): void {
  if (image === undefined || weightsState === 'none' || weightsState === 'failed') return;
  clearError();
  runId++;
  setProgress(ui.encodeProgress, ui.encodePercent, 0);
  setProgress(ui.decodeProgress, ui.decodePercent, 0);
  if (weightsState === 'ready') setStatus('running', 'Encoding…');
  send({ type: 'run', id: runId, image, preset: ui.preset.value as PresetName, size: Number(ui.size.value) });
}

function setProgress(bar: HTMLProgressElement, label: HTMLElement, fraction: number): void {
  bar.value = fraction;
  label.textContent = fraction > 0 ? formatPercent(fraction) : '';
}

worker.addEventListener('message', (event: MessageEvent<Reply>) => {
  const reply = event.data;
  switch (reply.type) {
    case 'load-progress': {
      const { loaded, total } = reply;
      setProgress(ui.loadProgress, ui.loadPercent, total ? loaded / total : 0);
      ui.loadText.textContent = total === undefined ? `${formatBytes(loaded)} read` : `${formatBytes(loaded)} of ${formatBytes(total)} read`;
      break;
    }
    case 'building':
      setProgress(ui.loadProgress, ui.loadPercent, 1);
      ui.loadText.textContent += ': building the model…';
      setStatus('loading', 'Building the model…');
      break;
    case 'loaded': {
      const { info } = reply;
      weightsState = 'ready';
      setProgress(ui.loadProgress, ui.loadPercent, 1);
      ui.loadText.textContent = `Ready: ${weights === undefined ? '' : weightsName(weights)}`;
      ui.timeLoad.textContent = formatDuration(info.loadMs);
      ui.threadsUsed.textContent = `${info.threads} (${info.backend})`;
      ui.threadsUsed.dataset.threads = String(info.threads);
      ui.modelInfo.textContent = `ch ${info.channels}, ${info.codes} codes, f${info.factor}`;
      if (image === undefined) setStatus('ready', 'Model ready: now an image.');
      else setStatus('running', 'Encoding…');
      break;
    }
    case 'run-progress': {
      if (reply.id !== runId) break;
      const [bar, label] = reply.stage === 'encode' ? [ui.encodeProgress, ui.encodePercent] : [ui.decodeProgress, ui.decodePercent];
      setProgress(bar, label, reply.fraction);
      setStatus('running', reply.stage === 'encode' ? 'Encoding…' : 'Decoding the tokens…');
      break;
    }
    case 'result':
      if (reply.result.id === runId) showResult(reply.result);
      break;
    case 'error':
      if (reply.id === undefined) weightsState = 'failed';
      else if (reply.id !== runId) break;
      showError(reply.message);
      break;
  }
});

function showResult(r: RunResult): void {
  setProgress(ui.encodeProgress, ui.encodePercent, 1);
  setProgress(ui.decodeProgress, ui.decodePercent, 1);
  drawRgb(ui.inputCanvas, r.input);
  drawRgb(ui.reconstructionCanvas, r.reconstruction);
  drawTokenMap(ui.tokenMap, r);
  fillTokenTable(ui.tokenTable, r);
  ui.inputCaption.textContent = `encoder input, ${r.input.width}×${r.input.height} (after resize and crop)`;
  ui.mapCaption.textContent = `tokens ${r.width}×${r.height}, one colour per id`;
  ui.tokensJson.value = r.tokensJson;
  ui.timeEncode.textContent = formatDuration(r.encodeMs);
  ui.timeDecode.textContent = formatDuration(r.decodeMs);
  setStatus('done', `Done: ${r.width}×${r.height} tokens, encode ${formatDuration(r.encodeMs)}, decode ${formatDuration(r.decodeMs)}.`);
}

// ---- Inputs ----

async function useImage(file: Blob, name: string): Promise<void> {
  clearError();
  ui.imageText.textContent = `Decoding ${name}…`;
  try {
    image = await readImage(file);
  } catch (err) {
    image = undefined;
    ui.imageText.textContent = 'No image.';
    showError(messageOf(err));
    return;
  }
  ui.imageText.textContent = `${name}: ${image.width}×${image.height}.`;
  if (weightsState === 'none' || weightsState === 'failed') setStatus('idle', 'Image ready: now the weights.');
  runIfReady();
}

ui.weightsFile.addEventListener('change', () => {
  const file = ui.weightsFile.files?.[0];
  if (file !== undefined) loadWeights(file);
});

function loadUrl(text: string): void {
  if (text.trim() === '') {
    showError('Give the URL of a .ckpt or .safetensors file.');
    return;
  }
  // Resolved here: the worker would resolve a relative URL against its own script.
  loadWeights(new URL(text.trim(), location.href).href);
}

ui.weightsUrlLoad.addEventListener('click', () => loadUrl(ui.weightsUrl.value));
ui.weightsUrl.addEventListener('keydown', (e) => {
  if (e.key === 'Enter') loadUrl(ui.weightsUrl.value);
});
ui.useTiny.addEventListener('click', () => {
  ui.weightsUrl.value = TINY_CHECKPOINT;
  loadUrl(TINY_CHECKPOINT);
});

ui.imageFile.addEventListener('change', () => {
  const file = ui.imageFile.files?.[0];
  if (file !== undefined) void useImage(file, file.name);
});

ui.useSample.addEventListener('click', async () => {
  try {
    const response = await fetch(SAMPLE_IMAGE);
    if (!response.ok) throw new Error(`${SAMPLE_IMAGE}: HTTP ${response.status}`);
    await useImage(await response.blob(), SAMPLE_IMAGE.split('/').at(-1)!);
  } catch (err) {
    showError(messageOf(err));
  }
});

for (const type of ['dragenter', 'dragover'] as const) {
  ui.dropZone.addEventListener(type, (e) => {
    e.preventDefault();
    ui.dropZone.classList.add('over');
  });
}
ui.dropZone.addEventListener('dragleave', () => ui.dropZone.classList.remove('over'));
ui.dropZone.addEventListener('drop', (e) => {
  e.preventDefault();
  ui.dropZone.classList.remove('over');
  const file = e.dataTransfer?.files[0];
  if (file !== undefined) void useImage(file, file.name);
});

ui.preset.addEventListener('change', runIfReady);
ui.size.addEventListener('change', runIfReady);
ui.threads.addEventListener('change', () => {
  if (weights !== undefined) loadWeights(weights);
});

// Anything that slips through still shows in the page.
window.addEventListener('error', (e) => showError(e.message));
window.addEventListener('unhandledrejection', (e) => showError(messageOf(e.reason)));
