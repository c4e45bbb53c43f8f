#!/usr/bin/python3
"""PyTorch anchor for the benchmark suite: the VQGAN of ../../shared/vqgan-spec.md in
PyTorch (CPU, float32), written from the spec, plus its ONNX graphs.

Run with Debian's python3 and its packages (torch 1.13, onnx 1.12, numpy):

    apt-get install -y --no-install-recommends python3-torch python3-onnx python3-numpy

Subcommands (`--help` on each):

    check  --fixtures test/fixtures/tiny [--weights W] [--config C]
           every case of golden/manifest.json against the fixture README's bounds;
           exit 1 on any failure. A family fixture (test/fixtures/family/<layout>, its
           family.json naming the weights) takes --weights: its weights converted by
           `node dist/src/cli/main.js convert IN OUT.safetensors` (taming names, the
           configuration in the metadata).
    export --weights W.safetensors --size H W --out DIR [--config C]
           DIR/encoder_{H}x{W}.onnx: image f32 [1,3,H,W] -> latent f32 [1,D,H/f,W/f],
                                     tokens i64 [H/f*W/f] (the token search inside)
           DIR/decoder_{H}x{W}.onnx: tokens i64 [H/f*W/f] -> image f32 [1,3,H,W]
                                     (codebook lookup inside)
           f = 2^(levels-1), the downsampling factor (16 for f16 models).
    time   --weights W.safetensors --image IMG.npy --tokens TOK.npy --threads N --repeat R
           one JSON line on stdout: encode/decode seconds, encode's tokens, decoded sha256.

Weights: a .safetensors file (F32/F16/BF16) with taming's names, read by hand.
Configuration: `--config` (JSON or YAML: flat like `vqgan convert`'s metadata, or taming's
nested `model.params`), else the file's `__metadata__.config`, else a config.json /
config.yaml beside it. Beside taming's ddconfig it takes the family's graph variants
(../../shared/vqgan-family.md): attn_type 'none' (no AttnBlock anywhere, the middle's
too), and quantizer 'nearest' (VectorQuantizer2), 'l2norm' (LlamaGen: latent and codes
L2-normalised before the nearest-code search, decoding from the normalised code) or
'gumbel' (GumbelVQ: the argmax of quantize.proj's logits, decoding from quantize.embed;
also from a taming config whose model.target is GumbelVQ).
"""

import argparse
import hashlib
import io
import json
import math
import os
import struct
import sys
import time
import warnings

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


REPO = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")


def log(*args):
    print(*args, file=sys.stderr, flush=True)


class AnchorError(Exception):
    """An error the command line reports in one line (no traceback)."""


# ----------------------------------------------------------------------------------
# Building blocks. Shapes are for batch 1: x [1, C, H, W].
# ----------------------------------------------------------------------------------


class Normalize(nn.GroupNorm):
    """GroupNorm, 32 groups, eps 1e-6, per-channel affine (weight, bias) [C]."""

    def __init__(self, channels):
        super().__init__(num_groups=32, num_channels=channels, eps=1e-6, affine=True)


def swish(x):
    return x * torch.sigmoid(x)


class ResnetBlock(nn.Module):
    """x [1,Cin,H,W] -> x' + conv2(swish(norm2(conv1(swish(norm1(x)))))) [1,Cout,H,W];
    x' = nin_shortcut(x) (1x1) when Cin != Cout. Dropout (0.0) is left out."""

    def __init__(self, in_channels, out_channels):
        super().__init__()
        self.norm1 = Normalize(in_channels)
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, padding=1)
        self.norm2 = Normalize(out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1)
        if in_channels != out_channels:
            self.nin_shortcut = nn.Conv2d(in_channels, out_channels, 1)
        else:
            self.nin_shortcut = None

    def forward(self, x):
        h = self.conv1(swish(self.norm1(x)))
        h = self.conv2(swish(self.norm2(h)))
        if self.nin_shortcut is not None:
            x = self.nin_shortcut(x)
        return x + h


class AttnBlock(nn.Module):
    """Single-head self-attention over the N = H*W positions: x [1,C,H,W] -> same."""

    def __init__(self, channels):
        super().__init__()
        self.scale = int(channels) ** (-0.5)  # C^(-1/2)
        self.norm = Normalize(channels)
        self.q = nn.Conv2d(channels, channels, 1)
        self.k = nn.Conv2d(channels, channels, 1)
        self.v = nn.Conv2d(channels, channels, 1)
        self.proj_out = nn.Conv2d(channels, channels, 1)

    def forward(self, x):
        b, c, hh, ww = x.shape
        n = hh * ww
        h = self.norm(x)
        q = self.q(h).reshape(b, c, n).permute(0, 2, 1)  # [1, N, C]
        k = self.k(h).reshape(b, c, n)  # [1, C, N]
        v = self.v(h).reshape(b, c, n)  # [1, C, N]
        w = torch.bmm(q, k) * self.scale  # [1, N(i), N(j)]
        w = torch.softmax(w, dim=2)  # over j
        out = torch.bmm(v, w.permute(0, 2, 1))  # [1, C, N(i)]: out[:, i] = sum_j A[i, j] v[:, j]
        return x + self.proj_out(out.reshape(b, c, hh, ww))


class Downsample(nn.Module):
    """[1,C,H,W] -> zero-pad right and bottom by 1 -> 3x3 conv, stride 2 -> [1,C,H/2,W/2]."""

    def __init__(self, channels):
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, stride=2, padding=0)

    def forward(self, x):
        return self.conv(F.pad(x, (0, 1, 0, 1), mode="constant", value=0.0))


class Upsample(nn.Module):
    """[1,C,H,W] -> nearest x2 -> 3x3 conv (padding 1) -> [1,C,2H,2W]."""

    def __init__(self, channels):
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x):
        return self.conv(F.interpolate(x, scale_factor=2.0, mode="nearest"))


class Mid(nn.Module):
    """ResnetBlock, AttnBlock, ResnetBlock at C channels; no AttnBlock (and no attn_1
    weights) when attn_type is 'none'."""

    def __init__(self, channels, with_attn):
        super().__init__()
        self.block_1 = ResnetBlock(channels, channels)
        self.attn_1 = AttnBlock(channels) if with_attn else None
        self.block_2 = ResnetBlock(channels, channels)

    def forward(self, x):
        h = self.block_1(x)
        if self.attn_1 is not None:
            h = self.attn_1(h)
        return self.block_2(h)


class Level(nn.Module):
    """One resolution level: `block` (ResnetBlocks), `attn` (an AttnBlock after each
    block, or none), then `downsample` (encoder) or `upsample` (decoder), or neither."""

    def __init__(self, in_channels, out_channels, blocks, with_attn, resample=None):
        super().__init__()
        self.block = nn.ModuleList()
        self.attn = nn.ModuleList()
        for j in range(blocks):
            self.block.append(ResnetBlock(in_channels if j == 0 else out_channels, out_channels))
            if with_attn:
                self.attn.append(AttnBlock(out_channels))
        if resample == "down":
            self.downsample = Downsample(out_channels)
        elif resample == "up":
            self.upsample = Upsample(out_channels)

    def forward(self, x):
        for j, block in enumerate(self.block):
            x = block(x)
            if len(self.attn) > 0:
                x = self.attn[j](x)
        if hasattr(self, "downsample"):
            x = self.downsample(x)
        if hasattr(self, "upsample"):
            x = self.upsample(x)
        return x


def level_attention(cfg, res):
    """taming's rule: a level working at resolution `res` has attention when `res` is in
    attn_resolutions (and attn_type is not 'none', which removes every AttnBlock)."""
    return cfg["attn_type"] != "none" and res in cfg["attn_resolutions"]


class Encoder(nn.Module):
    """image [1,3,H,W] -> [1,z_channels,H/f,W/f], f = 2^(levels-1)."""

    def __init__(self, cfg):
        super().__init__()
        ch, mult = cfg["ch"], cfg["ch_mult"]
        levels = len(mult)
        self.conv_in = nn.Conv2d(cfg["in_channels"], ch, 3, padding=1)
        self.down = nn.ModuleList()
        res = cfg["resolution"]  # attention is placed by this nominal resolution
        block_in = ch
        for i in range(levels):
            block_out = ch * mult[i]
            last = i == levels - 1
            self.down.append(Level(block_in, block_out, cfg["num_res_blocks"],
                                   level_attention(cfg, res), None if last else "down"))
            block_in = block_out
            if not last:
                res //= 2
        self.mid = Mid(block_in, cfg["attn_type"] != "none")
        self.norm_out = Normalize(block_in)
        self.conv_out = nn.Conv2d(block_in, cfg["z_channels"], 3, padding=1)

    def forward(self, x):
        h = self.conv_in(x)  # [1, ch, H, W]
        for level in self.down:  # levels 0..L-1, halving H, W after each but the last
            h = level(h)
        h = self.mid(h)  # [1, ch*mult[-1], H/f, W/f]
        return self.conv_out(swish(self.norm_out(h)))


class Decoder(nn.Module):
    """[1,z_channels,h,w] -> image [1,out_ch,h*f,w*f]. `up[i]` is level i (0 = full
    resolution); they run from the last level down to 0."""

    def __init__(self, cfg):
        super().__init__()
        ch, mult = cfg["ch"], cfg["ch_mult"]
        levels = len(mult)
        block_in = ch * mult[-1]
        res = cfg["resolution"] // 2 ** (levels - 1)
        self.conv_in = nn.Conv2d(cfg["z_channels"], block_in, 3, padding=1)
        self.mid = Mid(block_in, cfg["attn_type"] != "none")
        up = [None] * levels
        for i in reversed(range(levels)):
            block_out = ch * mult[i]
            up[i] = Level(block_in, block_out, cfg["num_res_blocks"] + 1,
                          level_attention(cfg, res), "up" if i != 0 else None)
            block_in = block_out
            if i != 0:
                res *= 2
        self.up = nn.ModuleList(up)
        self.norm_out = Normalize(block_in)
        self.conv_out = nn.Conv2d(block_in, cfg["out_ch"], 3, padding=1)

    def forward(self, z):
        h = self.mid(self.conv_in(z))  # [1, ch*mult[-1], h, w]
        for i in reversed(range(len(self.up))):
            h = self.up[i](h)
        return self.conv_out(swish(self.norm_out(h)))  # [1, out_ch, H, W]


def nearest_code(zf, e):
    """zf [N, D], codebook e [n_embed, D] -> int64 [N]:
    argmin_j (sum z^2) + (sum E_j^2) - 2 z.E_j, first index on ties."""
    # z.E_j as F.linear(zf, E, 0) = zf @ E^T + 0: exports as Gemm(transB=1) on E itself
    # (without a bias torch exports MatMul(zf, E^T) and folds E^T into the file as a
    # second copy of the codebook); adding zeros changes no value
    zero = torch.zeros(e.shape[0], dtype=e.dtype)
    d = (torch.sum(zf ** 2, dim=1, keepdim=True) + torch.sum(e ** 2, dim=1)
         - 2 * F.linear(zf, e, zero))  # [N, n_embed]
    return torch.argmin(d, dim=1)


def rows(z):
    """latent [1,D,h,w] -> [h*w, D] (row-major positions)."""
    return z.permute(0, 2, 3, 1).reshape(-1, z.shape[1])


def as_latent(codes, h, w):
    """[h*w, D] -> [1,D,h,w]."""
    return codes.reshape(1, h, w, -1).permute(0, 3, 1, 2).contiguous()


class VectorQuantizer(nn.Module):
    """quantizer 'nearest', VectorQuantizer2 (legacy, no remap): codebook
    E = embedding.weight [n_embed, D]."""

    def __init__(self, n_embed, embed_dim):
        super().__init__()
        self.embedding = nn.Embedding(n_embed, embed_dim)

    def tokens(self, z):
        """latent [1,D,h,w] -> tokens int64 [h*w] (row-major): the nearest code."""
        return nearest_code(rows(z), self.embedding.weight)

    def lookup(self, tokens, h, w):
        """tokens int [h*w] -> E[tokens] as [1,D,h,w]."""
        return as_latent(self.embedding(tokens.reshape(-1)), h, w)


class L2NormQuantizer(nn.Module):
    """quantizer 'l2norm', LlamaGen's VectorQuantizer with codebook_l2_norm: the latent
    and every code are L2-normalised (F.normalize, eps 1e-12) before the nearest-code
    search, and decoding looks tokens up among the normalised codes."""

    def __init__(self, n_embed, embed_dim):
        super().__init__()
        self.embedding = nn.Embedding(n_embed, embed_dim)

    def codebook(self):
        return F.normalize(self.embedding.weight, p=2, dim=1, eps=1e-12)  # [n_embed, D]

    def tokens(self, z):
        return nearest_code(F.normalize(rows(z), p=2, dim=1, eps=1e-12), self.codebook())

    def lookup(self, tokens, h, w):
        return as_latent(F.embedding(tokens.reshape(-1), self.codebook()), h, w)


class GumbelQuantizer(nn.Module):
    """quantizer 'gumbel', taming's GumbelQuantize for inference: token = argmax over the
    logits proj(latent) (1x1 conv D -> n_embed), first index on ties (no Gumbel noise);
    decoding looks tokens up in embed.weight [n_embed, D]."""

    def __init__(self, n_embed, embed_dim):
        super().__init__()
        self.proj = nn.Conv2d(embed_dim, n_embed, 1)
        self.embed = nn.Embedding(n_embed, embed_dim)

    def tokens(self, z):
        return torch.argmax(self.proj(z), dim=1).reshape(-1)  # [1,n_embed,h,w] -> [h*w]

    def lookup(self, tokens, h, w):
        return as_latent(self.embed(tokens.reshape(-1)), h, w)


QUANTIZERS = {"nearest": VectorQuantizer, "l2norm": L2NormQuantizer, "gumbel": GumbelQuantizer}


class VQModel(nn.Module):
    """The whole tokenizer; attribute names are the state dict's keys."""

    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.factor = 2 ** (len(cfg["ch_mult"]) - 1)
        self.encoder = Encoder(cfg)
        self.decoder = Decoder(cfg)
        self.quantize = QUANTIZERS[cfg["quantizer"]](cfg["n_embed"], cfg["embed_dim"])
        self.quant_conv = nn.Conv2d(cfg["z_channels"], cfg["embed_dim"], 1)
        self.post_quant_conv = nn.Conv2d(cfg["embed_dim"], cfg["z_channels"], 1)

    def encode(self, x):
        """image [1,3,H,W] -> (latent [1,D,H/f,W/f], tokens int64 [H/f*W/f])."""
        latent = self.quant_conv(self.encoder(x))
        return latent, self.quantize.tokens(latent)

    def decode(self, tokens, h, w):
        """tokens int [h*w] (or [h, w]) -> image [1,out_ch,h*f,w*f]."""
        return self.decoder(self.post_quant_conv(self.quantize.lookup(tokens, h, w)))


class EncoderGraph(nn.Module):
    """What encoder_{H}x{W}.onnx holds: image -> (latent, tokens)."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, image):
        return self.model.encode(image)


class DecoderGraph(nn.Module):
    """What decoder_{H}x{W}.onnx holds: tokens [h*w] -> image, for one fixed h, w."""

    def __init__(self, model, h, w):
        super().__init__()
        self.model, self.h, self.w = model, h, w

    def forward(self, tokens):
        return self.model.decode(tokens, self.h, self.w)


# ----------------------------------------------------------------------------------
# Weights and configuration
# ----------------------------------------------------------------------------------

CONFIG_KEYS = ["ch", "ch_mult", "num_res_blocks", "attn_resolutions", "z_channels",
               "resolution", "in_channels", "out_ch", "embed_dim", "n_embed"]
# the graph variants, with their defaults (boris's model) and the values taken
VARIANTS = {"attn_type": ("vanilla", ("vanilla", "none")), "quantizer": ("nearest", tuple(QUANTIZERS))}


def read_safetensors(path):
    """-> (tensors {name: float32 ndarray}, metadata dict or {})."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise AnchorError(f"{path}: {e.strerror}")
    if len(data) < 8:
        raise AnchorError(f"{path}: too short for a safetensors file ({len(data)} bytes)")
    (n,) = struct.unpack("<Q", data[:8])
    if n > len(data) - 8:
        raise AnchorError(f"{path}: header length {n} runs past the end of the file ({len(data)} bytes)")
    try:
        header = json.loads(data[8:8 + n].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise AnchorError(f"{path}: the header is not JSON ({e})")
    if not isinstance(header, dict):
        raise AnchorError(f"{path}: the header is not a JSON object")
    metadata = header.pop("__metadata__", None) or {}
    base = 8 + n
    tensors = {}
    for name, info in header.items():
        dtype, shape, (begin, end) = info["dtype"], info["shape"], info["data_offsets"]
        count = math.prod(shape)
        width = {"F32": 4, "F16": 2, "BF16": 2}.get(dtype)
        if width is None:
            raise AnchorError(f"{path}: tensor {name} has dtype {dtype}; F32, F16 and BF16 are read")
        if end - begin != count * width or base + end > len(data) or begin > end:
            raise AnchorError(f"{path}: tensor {name} {dtype}{shape} has data_offsets [{begin}, {end}] "
                              f"that do not fit its size or the file")
        raw = data[base + begin:base + end]
        if dtype == "F32":
            arr = np.frombuffer(raw, dtype="<f4").astype(np.float32)
        elif dtype == "F16":
            arr = np.frombuffer(raw, dtype="<f2").astype(np.float32)
        else:  # BF16: the top half of a float32
            arr = (np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16).view(np.float32)
        tensors[name] = arr.reshape(shape)
    return tensors, metadata


def parse_config(obj, source):
    """Flat {ch, ch_mult, ..., n_embed} or taming's {model: {params: {ddconfig, n_embed,
    embed_dim}}} (or {ddconfig, ...}) -> the flat dict."""
    candidates = [obj]
    target = None
    if isinstance(obj, dict) and isinstance(obj.get("model"), dict):
        candidates += [obj["model"], obj["model"].get("params")]
        target = obj["model"].get("target")
    for c in candidates:
        if not isinstance(c, dict):
            continue
        if isinstance(c.get("ddconfig"), dict):
            # taming's config files name the model class: GumbelVQ quantizes by the argmax of logits
            gumbel = {"quantizer": "gumbel"} if str(target).endswith(".GumbelVQ") else {}
            c = {**c["ddconfig"], "n_embed": c.get("n_embed"), "embed_dim": c.get("embed_dim"), **gumbel}
        if "ch_mult" in c and "n_embed" in c:
            if c.get("double_z"):
                raise AnchorError(f"{source}: double_z = true is not this VQGAN")
            cfg = {"resolution": 256, "in_channels": 3, "out_ch": 3, **{k: c[k] for k in CONFIG_KEYS if k in c}}
            missing = [k for k in CONFIG_KEYS if k not in cfg]
            if missing:
                raise AnchorError(f"{source}: the configuration lacks {', '.join(missing)}")
            for key, (default, allowed) in VARIANTS.items():
                cfg[key] = c.get(key, default)
                if cfg[key] not in allowed:
                    raise AnchorError(f"{source}: configuration {key} = {cfg[key]!r}; supported: {', '.join(allowed)}")
            return cfg
    raise AnchorError(f"{source}: no VQGAN configuration (ch_mult, n_embed, ...) found")


def read_config_file(path):
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError as e:
        raise AnchorError(f"{path}: {e.strerror}")
    if path.endswith((".yaml", ".yml")):
        import yaml  # python3-yaml, present wherever python3-torch is (a dependency)
        obj = yaml.safe_load(text)
    else:
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as e:
            raise AnchorError(f"{path}: not JSON ({e})")
    return parse_config(obj, path)


def load_model(weights, config=None):
    """-> VQModel (eval, float32) with the weights loaded strictly."""
    tensors, metadata = read_safetensors(weights)
    if config:
        cfg = read_config_file(config)
    elif "config" in metadata:
        try:
            cfg = parse_config(json.loads(metadata["config"]), f"{weights} (__metadata__.config)")
        except json.JSONDecodeError as e:
            raise AnchorError(f"{weights}: __metadata__.config is not JSON ({e})")
    else:
        beside = [os.path.join(os.path.dirname(weights) or ".", n) for n in ("config.json", "config.yaml")]
        found = [p for p in beside if os.path.isfile(p)]
        if not found:
            raise AnchorError(f"{weights}: no __metadata__.config and no config.json/config.yaml beside it; "
                              f"pass --config FILE")
        cfg = read_config_file(found[0])
        log(f"configuration from {found[0]}")
    model = VQModel(cfg)
    state = {k: torch.from_numpy(v.copy()) for k, v in tensors.items() if not k.startswith("loss.")}
    expected = model.state_dict()
    for k, v in state.items():
        if k in expected and tuple(expected[k].shape) != tuple(v.shape):
            raise AnchorError(f"{weights}: {k} has shape {list(v.shape)}, the configuration wants "
                              f"{list(expected[k].shape)}")
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as e:
        raise AnchorError(f"{weights}: {e}")
    return model.eval()


def load_npy(path, dtype=None, ndim=None):
    try:
        arr = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as e:
        raise AnchorError(f"{path}: {e}")
    if dtype is not None and arr.dtype != dtype:
        raise AnchorError(f"{path}: dtype {arr.dtype}, expected {np.dtype(dtype)}")
    if ndim is not None and arr.ndim != ndim:
        raise AnchorError(f"{path}: shape {list(arr.shape)}, expected {ndim} dimensions")
    return arr


# ----------------------------------------------------------------------------------
# check
# ----------------------------------------------------------------------------------

TOKEN_MARGIN, LATENT_BOUND, DECODED_BOUND = 1e-4, 5e-5, 5e-4


def fixture_weights(fixtures):
    """The weights of a fixture folder: tiny.safetensors (test/fixtures/tiny), or what a
    family fixture's family.json names (test/fixtures/family/<layout>), which is read
    here only when it is taming-named safetensors: the other layouts go through
    `vqgan convert` first."""
    family_json = os.path.join(fixtures, "family.json")
    if not os.path.isfile(family_json):
        return os.path.join(fixtures, "tiny.safetensors")
    try:
        with open(family_json, encoding="utf-8") as fh:
            named = os.path.join(fixtures, json.load(fh)["weights"])
    except (OSError, json.JSONDecodeError, KeyError, TypeError) as e:
        raise AnchorError(f"{family_json}: no weights named ({e})")
    if not named.endswith(".safetensors"):
        raise AnchorError(f"{named}: in its family's own layout; convert it and pass --weights: "
                          f"node dist/src/cli/main.js convert {named} OUT.safetensors")
    return named


def cmd_check(args):
    fixtures = args.fixtures
    golden = os.path.join(fixtures, "golden")
    weights = args.weights or fixture_weights(fixtures)
    model = load_model(weights, args.config)
    f = model.factor
    manifest_path = os.path.join(golden, "manifest.json")
    try:
        with open(manifest_path, encoding="utf-8") as fh:
            manifest = json.load(fh)
    except (OSError, json.JSONDecodeError) as e:
        raise AnchorError(f"{manifest_path}: {e}")
    failures = 0
    with torch.inference_mode():
        for case in manifest:
            name = case["name"]
            p = lambda kind: os.path.join(golden, f"{name}.{kind}.npy")
            h, w = case["tokens_hw"]
            tokens = load_npy(p("tokens"), np.int32, 2)
            if list(tokens.shape) != [h, w]:
                raise AnchorError(f"{p('tokens')}: shape {list(tokens.shape)}, the manifest says {[h, w]}")
            notes, ok = [], True
            if not case.get("decode_only"):
                x = torch.from_numpy(load_npy(p("input"), np.float32, 4))
                latent, toks = model.encode(x)
                want_latent = load_npy(p("latent"), np.float32, 4)
                if tuple(latent.shape) != want_latent.shape:
                    raise AnchorError(f"{p('latent')}: shape {list(want_latent.shape)}, the model gives "
                                      f"{list(latent.shape)}")
                dl = float(np.max(np.abs(latent.numpy() - want_latent)))
                margin = load_npy(p("margin"), np.float32, 2).reshape(-1)
                got = toks.numpy().reshape(-1)
                diff = got != tokens.reshape(-1)
                hard = int(np.sum(diff & (margin >= TOKEN_MARGIN)))
                soft = int(np.sum(diff & (margin < TOKEN_MARGIN)))
                notes.append(f"latent max|d| {dl:.3g}")
                extra = [f"{hard} differ where margin >= 1e-4"] if hard else []
                extra += [f"{soft} differ where margin < 1e-4 (allowed)"] if soft else []
                notes.append(f"tokens {got.size - int(diff.sum())}/{got.size} equal"
                             + (f" ({'; '.join(extra)})" if extra else ""))
                if dl > LATENT_BOUND or hard:
                    ok = False
            image = model.decode(torch.from_numpy(tokens.astype(np.int64)), h, w)
            want = load_npy(p("decoded"), np.float32, 4)
            if tuple(image.shape) != want.shape:
                raise AnchorError(f"{p('decoded')}: shape {list(want.shape)}, the model gives {list(image.shape)}")
            dd = float(np.max(np.abs(image.numpy() - want)))
            notes.append(f"decoded max|d| {dd:.3g}")
            if dd > DECODED_BOUND:
                ok = False
            failures += not ok
            print(f"{'ok  ' if ok else 'FAIL'} {name} ({h * f}x{w * f}): {', '.join(notes)}", flush=True)
    print(f"{len(manifest) - failures}/{len(manifest)} cases within bounds "
          f"(latent <= {LATENT_BOUND:g}, decoded <= {DECODED_BOUND:g}, tokens equal where margin >= {TOKEN_MARGIN:g})")
    return 1 if failures else 0


# ----------------------------------------------------------------------------------
# ONNX export: shape folding
# ----------------------------------------------------------------------------------


SHAPE_OPS = {"Constant", "Shape", "Gather", "Unsqueeze", "Squeeze", "Concat", "Slice",
             "ConstantOfShape", "Cast", "Reshape", "Transpose", "Add", "Sub", "Mul", "Div"}


def eval_shape_op(node, inputs):
    """One SHAPE_OPS node on known (constant) inputs, opset 17 semantics -> its outputs.
    Only what the exported graphs' shape arithmetic needs; raises on anything else."""
    import onnx
    from onnx import helper, numpy_helper
    attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
    op, x = node.op_type, inputs[0] if inputs else None
    if op == "Constant":
        if "value" not in attrs:
            raise AnchorError(f"export: Constant {node.name} without a tensor value")
        return (numpy_helper.to_array(attrs["value"]),)
    if op == "Shape":
        return (np.array(x.shape[attrs.get("start", 0):attrs.get("end", x.ndim)], dtype=np.int64),)
    if op == "Gather":
        return (np.take(x, inputs[1], axis=attrs.get("axis", 0)),)
    if op == "Unsqueeze":
        axes = sorted(int(a) % (x.ndim + len(inputs[1])) for a in inputs[1])
        for a in axes:
            x = np.expand_dims(x, a)
        return (x,)
    if op == "Squeeze":
        return (np.squeeze(x, axis=tuple(int(a) for a in inputs[1])) if len(inputs) > 1 else np.squeeze(x),)
    if op == "Concat":
        return (np.concatenate(inputs, axis=attrs["axis"]),)
    if op == "Slice":
        starts, ends = inputs[1], inputs[2]
        axes = inputs[3] if len(inputs) > 3 and inputs[3] is not None else range(len(starts))
        steps = inputs[4] if len(inputs) > 4 and inputs[4] is not None else [1] * len(starts)
        index = [slice(None)] * x.ndim
        for a, b, e, st in zip(axes, starts, ends, steps):
            n = x.shape[a]
            # ONNX clamps huge ends (INT64_MAX / MIN mean "to the end"); Python slices clamp too
            index[int(a)] = slice(int(max(min(b, n), -n - 1)), int(max(min(e, n), -n - 1)), int(st))
        return (x[tuple(index)],)
    if op == "ConstantOfShape":
        value = numpy_helper.to_array(attrs["value"]) if "value" in attrs else np.zeros(1, np.float32)
        return (np.full(tuple(int(d) for d in x), value.reshape(-1)[0], dtype=value.dtype),)
    if op == "Cast":
        return (x.astype(onnx.mapping.TENSOR_TYPE_TO_NP_TYPE[attrs["to"]]),)
    if op == "Reshape":
        shape = [x.shape[i] if d == 0 and not attrs.get("allowzero", 0) else int(d) for i, d in enumerate(inputs[1])]
        return (x.reshape(shape),)
    if op == "Transpose":
        return (np.transpose(x, attrs.get("perm")),)
    a, b = inputs
    if op == "Add":
        return (a + b,)
    if op == "Sub":
        return (a - b,)
    if op == "Mul":
        return (a * b,)
    if op == "Div":
        return ((a // b) if np.issubdtype(a.dtype, np.integer) else (a / b),)
    raise AnchorError(f"export: cannot fold {op} node {node.name}")


def fold_shapes(model):
    """With fixed input shapes, the exported graph's shape arithmetic (Shape -> Gather ->
    Concat -> Reshape targets, and the Pad's paddings, which torch builds at run time
    with a reversing Slice its own constant folding skips) is all constant: replace it
    by initializers, so that every tensor has a static shape, then declare the outputs'
    shapes. ONNX Runtime would fold most of this itself at session creation; this keeps
    the files plain. Float computations are never folded."""
    import onnx
    from onnx import numpy_helper, shape_inference
    g = model.graph
    while True:
        inferred = shape_inference.infer_shapes(model, data_prop=True)
        shapes = {}
        for v in list(inferred.graph.value_info) + list(inferred.graph.input) + list(inferred.graph.output):
            dims = v.type.tensor_type.shape.dim
            if all(d.HasField("dim_value") for d in dims):
                shapes[v.name] = [d.dim_value for d in dims]
        known = {t.name: numpy_helper.to_array(t) for t in g.initializer}
        keep, folded = [], []
        for node in g.node:
            outs = None
            if node.op_type == "Shape" and node.input[0] in shapes and not node.attribute:
                outs = (np.array(shapes[node.input[0]], dtype=np.int64),)
            elif node.op_type in SHAPE_OPS and all(n == "" or n in known for n in node.input):
                outs = eval_shape_op(node, [known[n] if n else None for n in node.input])
                if node.op_type != "Constant" and not all(np.issubdtype(o.dtype, np.integer) for o in outs):
                    outs = None
            if outs is None:
                keep.append(node)
                continue
            for name, val in zip(node.output, outs):
                known[name] = val
                folded.append(numpy_helper.from_array(np.asarray(val), name))
        if not folded:
            break
        del g.node[:]
        g.node.extend(keep)
        g.initializer.extend(folded)
    # torch shares equal parameters (GroupNorm weights that are all ones, say) through
    # Identity nodes: point their consumers at the initializer itself
    inits = {t.name for t in g.initializer}
    outputs = {o.name for o in g.output}
    alias = {n.output[0]: n.input[0] for n in g.node
             if n.op_type == "Identity" and n.input[0] in inits and n.output[0] not in outputs}
    keep = [n for n in g.node if not (n.op_type == "Identity" and n.output[0] in alias)]
    for node in keep:
        for k, name in enumerate(node.input):
            if name in alias:
                node.input[k] = alias[name]
    del g.node[:]
    g.node.extend(keep)
    used = {n for node in g.node for n in node.input} | {o.name for o in g.output}
    live = [t for t in g.initializer if t.name in used]
    del g.initializer[:]
    g.initializer.extend(live)
    inferred = shape_inference.infer_shapes(model, data_prop=True)
    final = {v.name: v for v in inferred.graph.output}
    for out in g.output:
        dims = final[out.name].type.tensor_type.shape.dim
        if not all(d.HasField("dim_value") for d in dims):
            raise AnchorError(f"export: output {out.name} has no static shape after folding")
        out.type.tensor_type.shape.CopyFrom(final[out.name].type.tensor_type.shape)
    del g.value_info[:]
    return model


# ----------------------------------------------------------------------------------
# export
# ----------------------------------------------------------------------------------


def export_graphs(model, height, width, out):
    """-> (encoder path, decoder path), both checked by onnx.checker."""
    import onnx

    f = model.factor
    if height % f or width % f or height <= 0 or width <= 0:
        raise AnchorError(f"--size {height} {width}: both must be positive multiples of {f}")
    h, w = height // f, width // f
    os.makedirs(out, exist_ok=True)
    enc_path = os.path.join(out, f"encoder_{height}x{width}.onnx")
    dec_path = os.path.join(out, f"decoder_{height}x{width}.onnx")
    image = torch.zeros(1, model.cfg["in_channels"], height, width)
    tokens = torch.zeros(h * w, dtype=torch.int64)
    graphs = [(EncoderGraph(model), image, enc_path, ["image"], ["latent", "tokens"]),
              (DecoderGraph(model, h, w), tokens, dec_path, ["tokens"], ["image"])]
    for module, example, path, inputs, outputs in graphs:
        buf = io.BytesIO()
        with torch.no_grad(), warnings.catch_warnings():
            # torch 1.13 warns that it cannot fold the Pad's reversing Slice and about
            # prim::Constant shape inference: fold_shapes below does that folding
            warnings.simplefilter("ignore")
            torch.onnx.export(module, (example,), buf, opset_version=17, input_names=inputs,
                              output_names=outputs, do_constant_folding=True)
        proto = fold_shapes(onnx.load_from_string(buf.getvalue()))
        proto.producer_name = "vqgan-wasm bench/anchors/torch_vqgan.py (torch.onnx " + torch.__version__ + ")"
        onnx.save(proto, path)  # weights inside: under protobuf's 2 GB at these sizes
        try:
            onnx.checker.check_model(path, full_check=True)  # by path; full: with shape inference
        except (onnx.checker.ValidationError, onnx.shape_inference.InferenceError) as e:
            raise AnchorError(f"{path}: onnx.checker: {e}")
    return enc_path, dec_path


def op_counts(path):
    import onnx
    counts = {}
    for node in onnx.load(path, load_external_data=False).graph.node:
        counts[node.op_type] = counts.get(node.op_type, 0) + 1
    return dict(sorted(counts.items()))


def cmd_export(args):
    model = load_model(args.weights, args.config)
    for path in export_graphs(model, args.size[0], args.size[1], args.out):
        log(f"wrote {path} ({os.path.getsize(path) / 1e6:.1f} MB): {op_counts(path)}")
        print(path)
    return 0


# ----------------------------------------------------------------------------------
# time
# ----------------------------------------------------------------------------------


def cmd_time(args):
    if args.threads < 1 or args.repeat < 1:
        raise AnchorError("--threads and --repeat must be at least 1")
    torch.set_num_threads(args.threads)
    model = load_model(args.weights, args.config)
    image = load_npy(args.image, np.float32, 4)
    if image.shape[:2] != (1, model.cfg["in_channels"]):
        raise AnchorError(f"{args.image}: shape {list(image.shape)}, expected [1, {model.cfg['in_channels']}, H, W]")
    grid = load_npy(args.tokens, None, 2)
    if grid.dtype not in (np.int32, np.int64):
        raise AnchorError(f"{args.tokens}: dtype {grid.dtype}, expected int32 [h, w]")
    if grid.min() < 0 or grid.max() >= model.cfg["n_embed"]:
        raise AnchorError(f"{args.tokens}: tokens outside [0, {model.cfg['n_embed']})")
    h, w = grid.shape
    x = torch.from_numpy(np.ascontiguousarray(image))
    t = torch.from_numpy(grid.astype(np.int64))
    encode_s, decode_s = [], []
    with torch.inference_mode():
        log(f"warm-up ({args.threads} threads)")
        _, tokens = model.encode(x)
        decoded = model.decode(t, h, w)
        for r in range(args.repeat):
            t0 = time.perf_counter()
            _, tokens = model.encode(x)  # image -> latent -> tokens
            t1 = time.perf_counter()
            decoded = model.decode(t, h, w)  # tokens -> image
            t2 = time.perf_counter()
            encode_s.append(round(t1 - t0, 6))
            decode_s.append(round(t2 - t1, 6))
            log(f"run {r + 1}/{args.repeat}: encode {t1 - t0:.3f} s, decode {t2 - t1:.3f} s")
    result = {
        "engine": f"PyTorch {torch.__version__} (Debian), CPU",
        "threads": args.threads,
        "encode_s": encode_s,
        "decode_s": decode_s,
        "tokens": [int(v) for v in tokens.reshape(-1).tolist()],
        # of the decoded float32 [1,3,H,W], little-endian, C order
        "decoded_sha256": hashlib.sha256(decoded.numpy().astype("<f4").tobytes()).hexdigest(),
    }
    print(json.dumps(result), flush=True)
    return 0


# ----------------------------------------------------------------------------------


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)

    c = sub.add_parser("check", help="run the golden fixtures and compare with their bounds")
    c.add_argument("--fixtures", required=True, help="a fixture folder (golden/manifest.json inside): "
                   "test/fixtures/tiny or test/fixtures/family/<layout>")
    c.add_argument("--weights", help="default: FIXTURES/tiny.safetensors, or the safetensors file that "
                   "FIXTURES/family.json names (other layouts: `vqgan convert` them and pass the result)")
    c.add_argument("--config", help="a configuration file (JSON or YAML)")
    c.set_defaults(run=cmd_check)

    e = sub.add_parser("export", help="write encoder_{H}x{W}.onnx and decoder_{H}x{W}.onnx")
    e.add_argument("--weights", required=True)
    e.add_argument("--size", required=True, type=int, nargs=2, metavar=("H", "W"))
    e.add_argument("--out", required=True, help="a folder (created)")
    e.add_argument("--config", help="a configuration file (JSON or YAML)")
    e.set_defaults(run=cmd_export)

    t = sub.add_parser("time", help="time encode and decode; one JSON line on stdout")
    t.add_argument("--weights", required=True)
    t.add_argument("--image", required=True, help="float32 [1,3,H,W] .npy")
    t.add_argument("--tokens", required=True, help="int32 [h,w] .npy")
    t.add_argument("--threads", required=True, type=int)
    t.add_argument("--repeat", required=True, type=int)
    t.add_argument("--config", help="a configuration file (JSON or YAML)")
    t.set_defaults(run=cmd_time)

    args = p.parse_args(argv)
    try:
        return args.run(args)
    except AnchorError as err:
        print(f"torch_vqgan.py {args.cmd}: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
