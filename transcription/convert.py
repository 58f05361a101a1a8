"""Convert a CTranslate2 Whisper model (faster-whisper's format) to an openai-whisper checkpoint.

The result is ``{"dims": {...}, "model_state_dict": {...}}``, the format that
``whisper.load_model(path)`` reads. The mapping is one-to-one: CTranslate2 fuses the
self-attention query/key/value projections (``linear_0``) and the cross-attention
key/value projections (``linear_1``); we split them again. Whisper's key projection
has no bias (CTranslate2 stores zeros there), so that slice is dropped.

``torch`` is imported lazily: importing this module costs nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import struct
import tempfile
from pathlib import Path

import numpy as np

# Bump when the conversion changes, so stale cached checkpoints are not reused.
CONVERTER_VERSION = 1

_DTYPES = ("float32", "int8", "int16", "int32", "float16", "bfloat16")  # CTranslate2 type ids


def read_ct2_model(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Read a CTranslate2 ``model.bin`` into ``{name: array}`` (aliases resolved).

    Layout (ctranslate2/specs/model_spec.py ``_serialize``), little-endian:
    u32 version, str name, u32 revision, u32 n_vars, then per variable: str name,
    u8 rank, u32 dims[rank], u8 dtype id, u32 n_bytes, raw bytes; then u32 n_aliases
    and pairs of (str alias, str target). A str is u16 length (incl. NUL) + bytes + NUL.
    """
    data = Path(path).read_bytes()
    pos = 0

    def read(fmt: str):
        nonlocal pos
        (value,) = struct.unpack_from("<" + fmt, data, pos)
        pos += struct.calcsize("<" + fmt)
        return value

    def read_str() -> str:
        nonlocal pos
        length = read("H")
        text = data[pos : pos + length - 1].decode("utf-8")
        pos += length
        return text

    version = read("I")
    if version < 5:  # older layouts differ; every current faster-whisper model is >= 5
        raise ValueError(f"{path}: unsupported CTranslate2 model.bin version {version}")
    read_str()  # spec name, e.g. "WhisperSpec"
    read("I")  # spec revision
    variables: dict[str, np.ndarray] = {}
    for _ in range(read("I")):
        name = read_str()
        shape = tuple(read("I") for _ in range(read("B")))
        dtype = _DTYPES[read("B")]
        n_bytes = read("I")
        raw = data[pos : pos + n_bytes]
        pos += n_bytes
        if dtype == "bfloat16":  # numpy has no bfloat16: it is the top half of a float32
            array = (np.frombuffer(raw, np.uint16).astype(np.uint32) << 16).view(np.float32)
        else:
            array = np.frombuffer(raw, dtype)
        variables[name] = array.reshape(shape)
    for _ in range(read("I")):
        alias = read_str()
        variables[alias] = variables[read_str()]
    return variables


def _dequantize(variables: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Turn int8/int16 weights with a ``weight_scale`` back into floats (value / scale)."""
    out = {}
    for name, value in variables.items():
        if name.endswith("_scale"):
            continue
        scale = variables.get(name + "_scale")
        if scale is not None:
            scale = scale.astype(np.float32)
            if scale.ndim == 1:  # per output row
                scale = scale[:, None]
            value = value.astype(np.float32) / scale
        out[name] = value
    return out


def _count_layers(variables: dict, prefix: str) -> int:
    pattern = re.compile(rf"^{prefix}/layer_(\d+)/")
    return 1 + max(int(m.group(1)) for n in variables if (m := pattern.match(n)))


def _state_dict_arrays(v: dict[str, np.ndarray]) -> tuple[dict, dict[str, np.ndarray]]:
    """Return (dims, openai state dict as numpy arrays)."""
    n_audio_layer = _count_layers(v, "encoder")
    n_text_layer = _count_layers(v, "decoder")
    dims = {
        "n_mels": int(v["encoder/conv1/weight"].shape[1]),
        "n_audio_ctx": int(v["encoder/position_encodings/encodings"].shape[0]),
        "n_audio_state": int(v["encoder/conv1/weight"].shape[0]),
        "n_audio_head": int(v["encoder/num_heads"]),
        "n_audio_layer": n_audio_layer,
        "n_vocab": int(v["decoder/embeddings/weight"].shape[0]),
        "n_text_ctx": int(v["decoder/position_encodings/encodings"].shape[0]),
        "n_text_state": int(v["decoder/embeddings/weight"].shape[1]),
        "n_text_head": int(v["decoder/num_heads"]),
        "n_text_layer": n_text_layer,
    }
    sd: dict[str, np.ndarray] = {}

    def linear(dst: str, src: str, bias: bool = True) -> None:
        sd[f"{dst}.weight"] = v[f"{src}/weight"]
        if bias:
            sd[f"{dst}.bias"] = v[f"{src}/bias"]

    def norm(dst: str, src: str) -> None:
        sd[f"{dst}.weight"] = v[f"{src}/gamma"]
        sd[f"{dst}.bias"] = v[f"{src}/beta"]

    def split(dst_names: list[str], src: str) -> None:
        """Split a fused projection along its output rows; keys get no bias."""
        weights = np.split(v[f"{src}/weight"], len(dst_names))
        biases = np.split(v[f"{src}/bias"], len(dst_names))
        for dst, w, b in zip(dst_names, weights, biases):
            sd[f"{dst}.weight"] = w
            if not dst.endswith(".key"):
                sd[f"{dst}.bias"] = b

    def self_attention(dst: str, src: str) -> None:
        rows, cols = v[f"{src}/linear_0/weight"].shape
        if rows == 3 * cols:  # fused q, k, v
            split([f"{dst}.query", f"{dst}.key", f"{dst}.value"], f"{src}/linear_0")
            linear(f"{dst}.out", f"{src}/linear_1")
        else:  # unfused: q, k, v, out
            for i, part in enumerate(("query", "key", "value", "out")):
                linear(f"{dst}.{part}", f"{src}/linear_{i}", bias=part != "key")

    def ffn(dst: str, src: str) -> None:
        linear(f"{dst}.mlp.0", f"{src}/ffn/linear_0")
        linear(f"{dst}.mlp.2", f"{src}/ffn/linear_1")
        norm(f"{dst}.mlp_ln", f"{src}/ffn/layer_norm")

    linear("encoder.conv1", "encoder/conv1")
    linear("encoder.conv2", "encoder/conv2")
    sd["encoder.positional_embedding"] = v["encoder/position_encodings/encodings"]
    for i in range(n_audio_layer):
        src, dst = f"encoder/layer_{i}", f"encoder.blocks.{i}"
        self_attention(f"{dst}.attn", f"{src}/self_attention")
        norm(f"{dst}.attn_ln", f"{src}/self_attention/layer_norm")
        ffn(dst, src)
    norm("encoder.ln_post", "encoder/layer_norm")

    sd["decoder.token_embedding.weight"] = v["decoder/embeddings/weight"]
    sd["decoder.positional_embedding"] = v["decoder/position_encodings/encodings"]
    for i in range(n_text_layer):
        src, dst = f"decoder/layer_{i}", f"decoder.blocks.{i}"
        self_attention(f"{dst}.attn", f"{src}/self_attention")
        norm(f"{dst}.attn_ln", f"{src}/self_attention/layer_norm")
        linear(f"{dst}.cross_attn.query", f"{src}/attention/linear_0")
        split([f"{dst}.cross_attn.key", f"{dst}.cross_attn.value"], f"{src}/attention/linear_1")
        linear(f"{dst}.cross_attn.out", f"{src}/attention/linear_2")
        norm(f"{dst}.cross_attn_ln", f"{src}/attention/layer_norm")
        ffn(dst, src)
    norm("decoder.ln", "decoder/layer_norm")
    # openai-whisper has no output projection: logits use token_embedding (tied).
    projection = v.get("decoder/projection/weight")
    if projection is not None and not np.array_equal(projection, v["decoder/embeddings/weight"]):
        raise ValueError("decoder projection is not tied to the token embedding")
    return dims, sd


def ct2_to_openai_checkpoint(model_dir: str | os.PathLike, out_path: str | os.PathLike) -> Path:
    """Convert ``model_dir`` (CTranslate2 Whisper) into an openai-whisper ``.pt`` at ``out_path``.

    Weights keep their stored precision (float16 here, like OpenAI's own checkpoints);
    quantized weights are dequantized to float32. ``load_model`` casts to the model dtype.
    """
    import torch  # heavy, and only in the optional `openai` extra

    model_dir = Path(model_dir)
    variables = _dequantize(read_ct2_model(model_dir / "model.bin"))
    dims, arrays = _state_dict_arrays(variables)
    # np.array copies: torch wants writable arrays (frombuffer views are read-only)
    state_dict = {k: torch.from_numpy(np.array(a)) for k, a in arrays.items()}
    out_path = Path(out_path)
    torch.save({"dims": dims, "model_state_dict": state_dict}, out_path)
    return out_path


def alignment_heads(model_dir: str | os.PathLike) -> list[list[int]] | None:
    """``[[layer, head], ...]`` from the CTranslate2 ``config.json``, or None."""
    config = Path(model_dir) / "config.json"
    if not config.is_file():
        return None
    return json.loads(config.read_text(encoding="utf-8")).get("alignment_heads")


def _cache_key(model_dir: Path) -> str:
    stat = (model_dir / "model.bin").stat()
    text = f"{CONVERTER_VERSION}|{model_dir.resolve()}|{stat.st_size}|{stat.st_mtime_ns}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def ensure_openai_checkpoint(model_dir: str | os.PathLike, cache_dir: str | os.PathLike) -> Path:
    """Return a cached converted checkpoint for ``model_dir``, converting it once.

    Keyed on model.bin's size and mtime (and the converter version); written to a temp
    file and renamed into place, so a crash or a concurrent run never leaves half a file.
    """
    model_dir = Path(model_dir)
    cache_dir = Path(cache_dir)
    target = cache_dir / f"openai-whisper-{model_dir.name}-{_cache_key(model_dir)}.pt"
    if target.is_file():
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=cache_dir, prefix=target.name, suffix=".tmp")
    os.close(fd)
    try:
        ct2_to_openai_checkpoint(model_dir, tmp)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
