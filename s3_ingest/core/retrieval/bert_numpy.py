"""A BERT encoder's forward pass in NumPy: what all-MiniLM-L6-v2 needs, and nothing else.

Why not PyTorch: the model is 6 layers of 384 wide, a few matrix products per token, and
NumPy's BLAS does those as well as PyTorch's CPU build does - without its 1.4 GB install or its
second of import time, which a one-line `s3-ingest search` would pay on every query. The
weights are mapped from the model's own safetensors file and the text is cut by its own
tokenizer.json (Hugging Face's `tokenizers`), so the vectors are the reference model's
(a test holds them to cosine >= 0.999 against vectors recorded with sentence-transformers).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

# Rows of tokens one forward pass handles at most (batch x sequence length): it bounds the
# attention scores held at once to about 50 MB whatever the texts' lengths.
TOKEN_BUDGET = 2048


def _gelu(x: np.ndarray) -> np.ndarray:
    """BERT's exact, erf-based GELU, in place. NumPy has no erf: Abramowitz & Stegun 7.1.26
    (absolute error below 1.5e-7, under float32's own), each step in place because the
    temporaries of a naive form cost more than the arithmetic."""
    a = np.abs(x) * np.float32(0.7071067811865476)  # |x| / sqrt(2)
    t = a * np.float32(0.3275911)
    t += 1.0
    np.reciprocal(t, out=t)
    poly = t * np.float32(1.061405429)
    for c in (-1.453152027, 1.421413741, -0.284496736, 0.254829592):
        poly += np.float32(c)
        poly *= t
    np.square(a, out=a)
    np.negative(a, out=a)
    np.exp(a, out=a)
    poly *= a  # 1 - erf(|x| / sqrt(2))
    # 0.5 * x * (1 + erf(x / sqrt(2))) is x * (1 - poly / 2) for x >= 0, else x * poly / 2.
    poly *= np.float32(0.5)
    np.copysign(poly, -x, out=poly)  # erf is odd: the correction's sign follows -x
    poly += x >= 0
    x *= poly
    return x


def _softmax(scores: np.ndarray) -> np.ndarray:
    """In place, over the last axis."""
    scores -= scores.max(-1, keepdims=True)
    np.exp(scores, out=scores)
    scores /= scores.sum(-1, keepdims=True)
    return scores


_pool: ThreadPoolExecutor | None = None


def _in_parts(step: Callable[[np.ndarray], np.ndarray], x: np.ndarray) -> np.ndarray:
    """`step` (in place, row-wise) over slices of `x` on every core. BLAS already spreads the
    matrix products over the cores; NumPy's element-wise passes run on one, and here they were
    half of the time. Each part releases the GIL inside its ufuncs."""
    global _pool
    parts = min(os.cpu_count() or 1, 8)
    rows = x.reshape(-1, x.shape[-1])
    if parts < 2 or rows.size < 1 << 18:
        step(rows)
        return x
    if _pool is None:
        _pool = ThreadPoolExecutor(parts, "minilm")
    bounds = np.linspace(0, rows.shape[0], parts + 1).astype(int)
    list(_pool.map(step, [rows[a:b] for a, b in zip(bounds, bounds[1:]) if b > a]))
    return x


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    centred = x - mean
    variance = (centred * centred).mean(-1, keepdims=True)
    return centred / np.sqrt(variance + eps) * weight + bias


_DTYPES = {"F32": np.float32, "F16": np.float16, "I64": np.int64}


def _mapped_weights(path: str) -> dict[str, np.ndarray]:
    """The tensors of a safetensors file as read-only views of one memory map: nothing is
    copied, and a query touches only the pages it needs (a few rows of the 47 MB vocabulary
    table). The format is an 8-byte little-endian header length, a JSON header giving each
    tensor's dtype, shape and byte range, then the bytes; the safetensors package itself would
    copy every tensor into memory, a third of a one-query search's time."""
    with open(path, "rb") as f:
        size = int.from_bytes(f.read(8), "little")
        header = json.loads(f.read(size))
    data = np.memmap(path, dtype=np.uint8, mode="r", offset=8 + size)
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        tensors[name] = data[begin:end].view(_DTYPES[info["dtype"]]).reshape(info["shape"])
    return tensors


class BertEncoder:
    """Mean-pooled, unit-length sentence vectors from a BERT checkpoint directory."""

    def __init__(self, directory: str, max_tokens: int) -> None:
        from tokenizers import Tokenizer

        with open(os.path.join(directory, "config.json"), encoding="utf-8") as f:
            config = json.load(f)
        self.heads = int(config["num_attention_heads"])
        self.layers = int(config["num_hidden_layers"])
        self.eps = float(config["layer_norm_eps"])
        self.w = _mapped_weights(os.path.join(directory, "model.safetensors"))
        self.tokenizer = Tokenizer.from_file(os.path.join(directory, "tokenizer.json"))
        self.tokenizer.enable_truncation(max_tokens)
        self.tokenizer.no_padding()

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One unit vector per text, in order."""
        encodings = self.tokenizer.encode_batch(list(texts))
        ids = [e.ids for e in encodings]
        # Like lengths together, so padding costs little; the budget bounds each pass.
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        out = np.zeros((len(ids), self.w["embeddings.word_embeddings.weight"].shape[1]),
                       dtype=np.float32)
        start = 0
        while start < len(order):
            end = start + 1
            while end < len(order) and (end - start + 1) * len(ids[order[end]]) <= TOKEN_BUDGET:
                end += 1
            batch = order[start:end]
            longest = max(len(ids[i]) for i in batch)
            tokens = np.zeros((len(batch), longest), dtype=np.int64)
            mask = np.zeros((len(batch), longest), dtype=np.float32)
            for row, i in enumerate(batch):
                tokens[row, : len(ids[i])] = ids[i]
                mask[row, : len(ids[i])] = 1.0
            out[batch] = self._forward(tokens, mask)
            start = end
        return out

    def _forward(self, tokens: np.ndarray, mask: np.ndarray) -> np.ndarray:
        w, eps = self.w, self.eps
        batch, length = tokens.shape
        x = (w["embeddings.word_embeddings.weight"][tokens]
             + w["embeddings.position_embeddings.weight"][:length]
             + w["embeddings.token_type_embeddings.weight"][0])
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], eps)
        width = x.shape[-1]
        head = width // self.heads
        # Padding positions get a large negative score, so softmax gives them nothing.
        blocked = ((1.0 - mask) * np.float32(-1e9))[:, None, None, :]
        scale = np.float32(1.0 / np.sqrt(head))
        for n in range(self.layers):
            p = f"encoder.layer.{n}."

            def dense(v: np.ndarray, name: str) -> Any:
                out = v @ w[p + name + ".weight"].T  # BLAS reads the transpose in place
                out += w[p + name + ".bias"]
                return out

            def split(v: np.ndarray) -> np.ndarray:
                # Contiguous, or NumPy's stacked matmul leaves BLAS for a slow loop.
                return np.ascontiguousarray(
                    v.reshape(batch, length, self.heads, head).transpose(0, 2, 1, 3))

            q = dense(x, "attention.self.query")
            q *= scale  # here, on the smaller array, rather than on the scores
            k = np.ascontiguousarray(split(dense(x, "attention.self.key")).transpose(0, 1, 3, 2))
            v = split(dense(x, "attention.self.value"))
            scores = split(q) @ k
            scores += blocked
            _in_parts(_softmax, scores)
            context = (scores @ v).transpose(0, 2, 1, 3).reshape(batch, length, width)
            x = _layer_norm(x + dense(context, "attention.output.dense"),
                            w[p + "attention.output.LayerNorm.weight"],
                            w[p + "attention.output.LayerNorm.bias"], eps)
            inner = _in_parts(_gelu, dense(x, "intermediate.dense"))
            x = _layer_norm(x + dense(inner, "output.dense"), w[p + "output.LayerNorm.weight"],
                            w[p + "output.LayerNorm.bias"], eps)
        pooled = (x * mask[:, :, None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1e-9)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.maximum(norms, 1e-12)).astype(np.float32)
