/** The command line's help texts: the overview, and each command's usage and options. */

const COMMON = `
  --weights W           model weights: a file (PyTorch .ckpt/.pt, .safetensors, Flax
                        .msgpack), a folder (diffusers VQModel, shards), a URL, or a
                        hub id OWNER/NAME[/FOLDER][/FILE][@REVISION] (a string that
                        is no existing path; revision default main), downloaded
                        once into the cache (VQGAN_CACHE, default ~/.cache/vqgan-wasm);
                        default boris/vqgan_f16_16384
  --preset NAME         pixel convention: taming (default, [-1, 1]), dalle-mini ([0, 1]),
                        chameleon (Chameleon's tokenizer: [-1, 1], transparency
                        blended on white, default size 512), llamagen (LlamaGen's
                        VQ-16/VQ-8 scripts: BOX halvings, BICUBIC, [-1, 1], out
                        127.5x + 128 truncated) or janus (Janus's generation
                        tokenizer: llamagen's input, out (x + 1) / 2 · 255
                        truncated, default size 384)
  --backend NAME        compute backend: wasm (WebAssembly SIMD, default) or reference
                        (scalar TypeScript); both give the same bytes
  --threads N           threads for the wasm backend (default: all available cores);
                        the output is the same with any number
  --mode MODE           exact (default: direct convolutions, the canonical results) or
                        fast (Winograd 3×3 convolutions, about 3× faster at 256×256,
                        float32 errors a few times larger); each mode gives the same
                        bytes everywhere
  --max-pixels N        refuse images, model inputs and decoded outputs of more pixels
                        (default 16777216 = 4096×4096), from the header, before decoding
  --debug               print stack traces for errors
  -h, --help            this help`;

export const HELP: Record<string, string> = {
  main: `vqgan — VQGAN image tokenizer (Taming Transformers, f16, 16384 codes)

Usage:
  vqgan encode INPUT --weights FILE [options]       image or .npy → tokens
  vqgan encode INPUT... --weights FILE --out TOKENS.jsonl  many images or folders → tokens
  vqgan decode TOKENS --weights FILE --out IMG.png  tokens → image
  vqgan reconstruct INPUT --weights FILE --out IMG.png
  vqgan bench [--model NAME] [--size N] [--json]     speed of encode and decode
  vqgan bench --resize [--repeat R] [--json]         speed of the image resize
  vqgan bench --image FILE [--repeat R] [--json]     speed of decoding and resizing FILE
  vqgan fetch [OWNER/NAME[/FOLDER][@REVISION]]      download a hub model, print its files
  vqgan convert WEIGHTS OUT.safetensors [--dtype D]  inference-only safetensors weights
  vqgan info [WEIGHTS]                              format, configuration, size of weights

--weights FILE may be left out: the default is the hub model boris/vqgan_f16_16384,
downloaded on first use.

Run 'vqgan COMMAND --help' for a command's options.`,
  encode: `Usage: vqgan encode INPUT --weights FILE [options]
       vqgan encode INPUT... --weights FILE --out TOKENS.jsonl [options]

INPUT is a PNG or JPEG (resized on its shortest side and centre-cropped to --size, then
converted by --preset) or a .npy float32 [1,3,H,W] or [3,H,W] already in model range.

Several inputs, or a folder (its .png, .jpg and .jpeg files, sorted by name, not its
subfolders), go into one JSON Lines file, a line per image appended as soon as it is
done: {"file":"photos/x.png","height":h,"width":w,"tokens":[...]}. If that file exists,
the images it holds are skipped: running the command again finishes an interrupted run.

  --out FILE            tokens.json or tokens.npy (int32 [h, w]); tokens.jsonl (needed for
                        several inputs or a folder); default: JSON on stdout
  --latent FILE         write the latent before quantizing, float32 [1, D, h, w] .npy
                        (one input only, as are --input-out, .json and .npy)
  --size N|HxW          image size fed to the model (default 256, chameleon 512,
                        janus 384; multiples of 16)
  --input-out FILE      write the model input: .npy (float32 [1,3,H,W]) or .png${COMMON}`,
  decode: `Usage: vqgan decode TOKENS --weights FILE --out IMAGE.png [options]

TOKENS is {"height":h,"width":w,"tokens":[...]} JSON or an int32/int64 .npy [h, w].

  --out FILE            the decoded image, PNG (required)
  --raw FILE            write the decoder output before clipping, float32 [1,3,H,W] .npy${COMMON}`,
  reconstruct: `Usage: vqgan reconstruct INPUT --weights FILE --out IMAGE.png [options]

Encodes INPUT (as 'vqgan encode' does) and decodes its tokens again.

  --out FILE            the reconstruction, PNG (required)
  --size N|HxW          image size fed to the model (default 256, chameleon 512,
                        janus 384; multiples of 16)${COMMON}`,
  bench: `Usage: vqgan bench [options]

Times encode and decode of a loaded model (min and median after a warm-up), each op's
time and GFLOP/s, peak memory, and the share of this machine's SIMD128 peak.

  --model NAME          time seeded synthetic weights (seed 1) of a released
                        configuration (default f16_16384): f16_16384, f16_1024,
                        chameleon, llamagen-vq16, llamagen-vq8, ldm-vq-f4,
                        ldm-vq-f4-noattn, ldm-vq-f8, ldm-vq-f8-n256, ldm-vq-f16,
                        gumbel-f8, amused; not with --weights
  --weights FILE        weights to time instead (a file, URL or hub id)
  --size N|HxW          image size, multiples of the model's downsampling factor
                        (default: the configuration's native size: 256, chameleon 512)
  --repeat R            timed runs of each (default 5)
  --threads N[,M,…]     thread counts to time, runs alternating between them, with
                        speed-ups over the first (default: all available cores)
  --json                print one JSON object per thread count instead of the tables
  --backend NAME        wasm (default) or reference
  --mode MODE           exact (default) or fast
  --resize              time the image resize instead (with --repeat, --json): a seeded
                        4000×3000 image to 256×256 (Lanczos to 341×256, centre crop) by
                        the WebAssembly kernels, by their scalar twins, and as before
                        the kernels (the scalar passes over the whole image, then the crop)
  --image FILE          time decoding FILE (PNG or JPEG) and resizing it to 256×256
                        instead, each by the WebAssembly kernels and by their scalar
                        twins (with --repeat, --json, --max-pixels)`,
  convert: `Usage: vqgan convert WEIGHTS OUT.safetensors [--dtype float32|float16|bfloat16]

Writes inference-only weights: the model's tensors alone (no loss.* entries, no
optimizer state), checked against the configuration, with the configuration in the
file's metadata so that it loads with nothing beside it. WEIGHTS is anything --weights
takes: a .ckpt, .safetensors or Flax .msgpack file, a URL, or a hub id. float16 and
bfloat16 files are half the size; they load and compute in float32.

  --dtype D             float32 (default, every bit kept), float16 or bfloat16`,
  info: `Usage: vqgan info [WEIGHTS]

Prints the format, the layout (taming's, LlamaGen's or diffusers' names), the released
configuration it is (Chameleon, LlamaGen VQ-16, …) if any, size, configuration and where
each value came from (a configuration file, the weights' shapes, a default), parameter
count and stored dtype of a weights file, folder, URL or hub id (default:
boris/vqgan_f16_16384).`,
  fetch: `Usage: vqgan fetch [OWNER/NAME[/FOLDER][/FILE][@REVISION]]

Downloads a model from the Hugging Face hub into the cache without running it, and
prints where its files are on stdout (the weights, then the configuration if the hub has
one). Default: boris/vqgan_f16_16384 at revision main. FOLDER: the model's folder in
the repository (amused/amused-256/vqvae); FILE: one weights file (FoundationVision/
LlamaGen/vq_ds8_c2i.pt). The weights are the first the model has of model.ckpt,
flax_model.msgpack, model.safetensors, diffusion_pytorch_model.safetensors, vqgan.ckpt,
last.ckpt, vq_ds16_c2i.pt, checked against the hub's sha256; of a whole multimodal model
(model.safetensors.index.json, pytorch_model.bin.index.json, pytorch_model.bin: Janus),
only the image tokenizer's tensors, by byte ranges, kept as tokenizer.safetensors. A download that stalls (no data for VQGAN_DOWNLOAD_TIMEOUT seconds),
loses its connection or gets HTTP 5xx, 408 or 429 is tried again, up to 5 tries, after
1 s, 2 s, 4 s, 8 s, each resuming where the bytes stopped; a download cut off for good
resumes on the next run. A model in the cache is never fetched again (delete its folder
to refresh it).

Environment:
  HF_ENDPOINT           the hub (default https://huggingface.co)
  HF_TOKEN              sent as a bearer token to the hub, for private or gated models
  VQGAN_CACHE           the cache folder (default ~/.cache/vqgan-wasm); a model's files
                        are in {cache}/{owner}--{name}/{revision}/
  VQGAN_DOWNLOAD_TIMEOUT
                        seconds without data before a try is given up (default 10)`,
};
