/**
 * The demo page's controller: reads the user's choices (weights, image, preset, size,
 * threads), calls the library's async API and shows what comes back: progress, timings,
 * the images, the tokens. The engine computes in the library's own worker, so this
 * thread only waits and the page stays responsive. A new choice aborts the run under way
 * (its AbortSignal). Every error ends up in the page's error box, not only in the console.
 */
import '../src/entries/install_web.js';
import { Vqgan } from '../src/api/vqgan.js';
import { tensorToImage, type PresetName } from '../src/image/presets.js';
import type { RgbImage } from '../src/image/rgb_image.js';
import { tokensToJson } from '../src/io/token_file.js';
import type { TokenGrid } from '../src/core/tokens.js';
import { formatBytes } from '../src/core/format_bytes.js';
import { formatDuration, formatPercent } from './format.js';
import { readImage, type RgbaImage } from './read_image.js';
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
ui.isolation.textContent = isolated
  ? 'cross-origin isolated: threads on'
  : 'not cross-origin isolated: running on one thread';
ui.isolation.className = `badge ${isolated ? 'ok' : 'warn'}`;
ui.threads.value = String(isolated ? Math.max(1, navigator.hardwareConcurrency || 1) : 1);
ui.threads.disabled = !isolated;
if (!isolated) ui.threads.title = 'Threads need a cross-origin isolated page (COOP and COEP headers)';

// ---- The model ----

interface RunResult extends TokenGrid {
  /** What went into the encoder (after resize, crop and the preset), as pixels. */
  readonly input: RgbImage;
  readonly reconstruction: RgbImage;
  readonly encodeMs: number;
  readonly decodeMs: number;
}

/** What was loaded last, to load again when the thread count changes. */
let weights: File | string | undefined;
/** The latest load; a run waits for it. */
let model: Promise<Vqgan> | undefined;
let weightsState: 'none' | 'loading' | 'ready' | 'failed' = 'none';
let image: RgbaImage | undefined;
/** The run under way, aborted when a newer one starts. */
let running: AbortController | undefined;

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
  const start = performance.now();
  const previous = model;
  const pending = Vqgan.load(source, {
    threads: threadCount(),
    onProgress: (loaded, total) => showLoadProgress(loaded, total),
  });
  model = pending;
  previous?.then((vq) => vq.dispose(), () => undefined);
  pending.then((vq) => {
    if (model !== pending) return;
    weightsState = 'ready';
    setProgress(ui.loadProgress, ui.loadPercent, 1);
    ui.loadText.textContent = `Ready: ${name}`;
    ui.timeLoad.textContent = formatDuration(performance.now() - start);
    ui.threadsUsed.textContent = `${vq.threads} (${vq.backend})`;
    ui.threadsUsed.dataset.threads = String(vq.threads);
    ui.modelInfo.textContent = `ch ${vq.config.ch}, ${vq.config.n_embed} codes, f${vq.factor}`;
    if (image === undefined) setStatus('ready', 'Model ready: now an image.');
  }, (err: unknown) => {
    if (model !== pending) return;
    weightsState = 'failed';
    showError(messageOf(err));
  });
  void runIfReady();
}

function showLoadProgress(loaded: number, total: number | undefined): void {
  setProgress(ui.loadProgress, ui.loadPercent, total ? loaded / total : 0);
  ui.loadText.textContent = total === undefined
    ? `${formatBytes(loaded)} read`
    : `${formatBytes(loaded)} of ${formatBytes(total)} read`;
  if (loaded === total) {
    ui.loadText.textContent += ': building the model…';
    setStatus('loading', 'Building the model…');
  }
}

/** Runs whenever there are weights (loaded or on their way) and an image; a newer run aborts this one. */
async function runIfReady(): Promise<void> {
  if (image === undefined || model === undefined || weightsState === 'none' || weightsState === 'failed') return;
  clearError();
  running?.abort();
  const run = (running = new AbortController());
  const { signal } = run;
  setProgress(ui.encodeProgress, ui.encodePercent, 0);
  setProgress(ui.decodeProgress, ui.decodePercent, 0);
  const preset = ui.preset.value as PresetName;
  const size = Number(ui.size.value);
  let vq: Vqgan;
  try {
    vq = await model;
  } catch {
    return; // the load has shown its error
  }
  if (signal.aborted) return;
  try {
    setStatus('running', 'Encoding…');
    const t0 = performance.now();
    const encoded = await vq.encode(image, {
      preset,
      size,
      signal,
      onProgress: (f) => setProgress(ui.encodeProgress, ui.encodePercent, f),
    });
    const t1 = performance.now();
    setStatus('running', 'Decoding the tokens…');
    const reconstruction = await vq.decodeImage(encoded, {
      preset,
      signal,
      onProgress: (f) => setProgress(ui.decodeProgress, ui.decodePercent, f),
    });
    const t2 = performance.now();
    const { height, width, tokens } = encoded;
    showResult({
      height,
      width,
      tokens,
      input: tensorToImage(encoded.modelInput, preset),
      reconstruction,
      encodeMs: t1 - t0,
      decodeMs: t2 - t1,
    });
  } catch (err) {
    if (!signal.aborted) showError(messageOf(err));
  }
}

function setProgress(bar: HTMLProgressElement, label: HTMLElement, fraction: number): void {
  bar.value = fraction;
  label.textContent = fraction > 0 ? formatPercent(fraction) : '';
}

function showResult(r: RunResult): void {
  setProgress(ui.encodeProgress, ui.encodePercent, 1);
  setProgress(ui.decodeProgress, ui.decodePercent, 1);
  drawRgb(ui.inputCanvas, r.input);
  drawRgb(ui.reconstructionCanvas, r.reconstruction);
  drawTokenMap(ui.tokenMap, r);
  fillTokenTable(ui.tokenTable, r);
  ui.inputCaption.textContent = `encoder input, ${r.input.width}×${r.input.height} (after resize and crop)`;
  ui.mapCaption.textContent = `tokens ${r.width}×${r.height}, one colour per id`;
  ui.tokensJson.value = tokensToJson(r);
  ui.timeEncode.textContent = formatDuration(r.encodeMs);
  ui.timeDecode.textContent = formatDuration(r.decodeMs);
  setStatus(
    'done',
    `Done: ${r.width}×${r.height} tokens, encode ${formatDuration(r.encodeMs)}, decode ${formatDuration(r.decodeMs)}.`,
  );
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
  void runIfReady();
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

ui.preset.addEventListener('change', () => void runIfReady());
ui.size.addEventListener('change', () => void runIfReady());
ui.threads.addEventListener('change', () => {
  if (weights !== undefined) loadWeights(weights);
});

// Anything that slips through still shows in the page.
window.addEventListener('error', (e) => showError(e.message));
window.addEventListener('unhandledrejection', (e) => showError(messageOf(e.reason)));
