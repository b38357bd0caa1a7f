"""A BERT encoder's forward pass in NumPy: what BERT-family sentence models need, nothing else.

Why not PyTorch: the model is 6 layers of 384 wide, a few matrix products per token, and
NumPy's BLAS does those as well as PyTorch's CPU build does - without its 1.4 GB install or its
second of import time, which a one-line `s3-ingest search` would pay on every query. The
weights are mapped from the model's own safetensors file and the text is cut by its own
tokenizer.json (Hugging Face's `tokenizers`), so the vectors are the reference model's
(a test holds them to cosine >= 0.999 against vectors recorded with sentence-transformers).
Pooling (mean, [CLS] or max) and normalisation are the model's own (sentence_config.py).
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
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
_parallel = threading.Lock()
_controller: Any = None
BLOCK = 32768  # elements a chain of element-wise passes works on at once: 128 KB, in L2


def _workers() -> int:
    return min(os.cpu_count() or 1, 8)


def _thread_pool() -> ThreadPoolExecutor:
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(_workers(), "bert-numpy")
    return _pool


def _blocked(step: Callable[[np.ndarray], np.ndarray], x: np.ndarray) -> np.ndarray:
    """`step` (in place, row-wise) over blocks of rows, so its twenty-odd passes (GELU's) read
    cache, not memory: over a whole (batch x tokens x 1536) array each pass streamed 12 MB."""
    rows = x.reshape(-1, x.shape[-1])
    per = max(1, BLOCK // rows.shape[-1])
    for start in range(0, rows.shape[0], per):
        step(rows[start:start + per])
    return x


@contextmanager
def _one_blas_thread() -> Iterator[None]:
    """BLAS on one thread while batches run side by side, a batch a core. Its own threads
    spin at every product's barrier, and on a machine shared with fetch threads, parser
    workers or other processes they wait for each other: 6x slower than a batch a core on 2
    busy cores. threadpoolctl finds the BLAS NumPy loaded, once."""
    global _controller
    with _parallel:
        if _controller is None:
            from threadpoolctl import ThreadpoolController

            _controller = ThreadpoolController()
        with _controller.limit(limits=1, user_api="blas"):
            yield


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    """In place: every temporary of the plain formula is a pass over memory."""
    x -= x.mean(-1, keepdims=True)
    scale = np.einsum("...i,...i->...", x, x)
    scale *= np.float32(1.0 / x.shape[-1])
    scale += np.float32(eps)
    np.sqrt(scale, out=scale)
    np.reciprocal(scale, out=scale)
    x *= scale[..., None]
    x *= weight
    x += bias
    return x


_DTYPES = {"F32": np.float32, "F16": np.float16, "BF16": None, "I64": np.int64}


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
        raw = data[begin:end]
        if info["dtype"] == "BF16":  # bfloat16 is float32's upper half
            wide = np.zeros(raw.size // 2, dtype=np.uint32)
            wide[:] = raw.view(np.uint16)
            tensors[name] = (wide << 16).view(np.float32).reshape(info["shape"])
            continue
        if info["dtype"] not in _DTYPES:
            raise ValueError(f"{path}: tensor {name} has dtype {info['dtype']}")
        tensor = raw.view(_DTYPES[info["dtype"]]).reshape(info["shape"])
        tensors[name] = tensor.astype(np.float32) if tensor.dtype == np.float16 else tensor
    return tensors


def _unprefixed(tensors: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """BertModel's names, whatever head the checkpoint was saved with (`bert.`, `model.`)."""
    marker = "embeddings.word_embeddings.weight"
    prefix = next((k[: -len(marker)] for k in tensors if k.endswith(marker)), None)
    if prefix is None:
        raise ValueError("not a BERT checkpoint: no embeddings.word_embeddings.weight")
    return {k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix)}


class BertEncoder:
    """Sentence vectors from a BERT checkpoint: pooled and normalised as the model says."""

    def __init__(self, directory: str, weights: str, max_tokens: int, *, pooling: str = "mean",
                 normalize: bool = True) -> None:
        from tokenizers import Tokenizer

        with open(os.path.join(directory, "config.json"), encoding="utf-8") as f:
            config = json.load(f)
        self.heads = int(config["num_attention_heads"])
        self.layers = int(config["num_hidden_layers"])
        self.eps = float(config["layer_norm_eps"])
        self.pooling, self.normalize, self.max_tokens = pooling, normalize, max_tokens
        self.w = _unprefixed(_mapped_weights(weights))
        # Query, key and value as one product: one pass over the activations instead of three.
        self.qkv = []
        for n in range(self.layers):
            p = f"encoder.layer.{n}.attention.self."
            parts = ("query", "key", "value")
            self.qkv.append((
                np.ascontiguousarray(np.concatenate([self.w[p + s + ".weight"] for s in parts]).T),
                np.concatenate([self.w[p + s + ".bias"] for s in parts])))
        self.tokenizer = Tokenizer.from_file(os.path.join(directory, "tokenizer.json"))
        self.tokenizer.enable_truncation(max_tokens)
        self.tokenizer.no_padding()
        self.truncated = 0  # texts cut to the window since load: the embedder says so

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One vector per text, in order."""
        encodings = self.tokenizer.encode_batch(list(texts))
        ids = [e.ids for e in encodings]
        self.truncated += sum(1 for e in encodings if e.overflowing)
        # Like lengths together, so padding costs little; the budget bounds each pass.
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        out = np.zeros((len(ids), self.w["embeddings.word_embeddings.weight"].shape[1]),
                       dtype=np.float32)
        # At least a batch per core, when there are texts enough.
        total = sum(len(i) for i in ids)
        budget = max(1, min(TOKEN_BUDGET, -(-total // _workers())))
        batches = []
        start = 0
        while start < len(order):
            end = start + 1
            shortest = len(ids[order[start]])
            # A batch pads to its longest: it ends where the next text is a tenth longer.
            while (end < len(order) and (end - start + 1) * len(ids[order[end]]) <= budget
                   and len(ids[order[end]]) <= shortest * 1.1 + 4):
                end += 1
            batch = order[start:end]
            longest = max(len(ids[i]) for i in batch)
            tokens = np.zeros((len(batch), longest), dtype=np.int64)
            mask = np.zeros((len(batch), longest), dtype=np.float32)
            for row, i in enumerate(batch):
                tokens[row, : len(ids[i])] = ids[i]
                mask[row, : len(ids[i])] = 1.0
            batches.append((batch, tokens, mask))
            start = end
        # Longest first, so the last batches to finish are the short ones.
        batches.reverse()
        with _one_blas_thread():
            if len(batches) == 1:
                pooled = [self._forward(batches[0][1], batches[0][2])]
            else:
                pooled = list(_thread_pool().map(lambda b: self._forward(b[1], b[2]), batches))
        for (batch, _, _), vectors in zip(batches, pooled):
            out[batch] = vectors
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
        padded = bool((mask == 0).any())
        blocked = ((1.0 - mask) * np.float32(-1e9))[:, None, None, :]
        scale = np.float32(1.0 / np.sqrt(head))
        for n in range(self.layers):
            p = f"encoder.layer.{n}."

            def dense(v: np.ndarray, name: str) -> Any:
                out = v @ w[p + name + ".weight"].T  # BLAS reads the transpose in place
                out += w[p + name + ".bias"]
                return out

            qkv_weight, qkv_bias = self.qkv[n]
            qkv = x @ qkv_weight
            qkv += qkv_bias
            # (batch, length, 3, heads, head) -> three (batch, heads, length, head) views.
            qkv = qkv.reshape(batch, length, 3, self.heads, head).transpose(2, 0, 3, 1, 4)
            q = np.ascontiguousarray(qkv[0])
            q *= scale  # here, on the smaller array, rather than on the scores
            # Contiguous, or NumPy's stacked matmul leaves BLAS for a slow loop.
            k = np.ascontiguousarray(qkv[1].transpose(0, 1, 3, 2))
            v = np.ascontiguousarray(qkv[2])
            scores = q @ k
            if padded:
                scores += blocked
            _blocked(_softmax, scores)
            context = (scores @ v).transpose(0, 2, 1, 3).reshape(batch, length, width)
            h = dense(context, "attention.output.dense")
            h += x
            x = _layer_norm(h, w[p + "attention.output.LayerNorm.weight"],
                            w[p + "attention.output.LayerNorm.bias"], eps)
            inner = _blocked(_gelu, dense(x, "intermediate.dense"))
            h = dense(inner, "output.dense")
            h += x
            x = _layer_norm(h, w[p + "output.LayerNorm.weight"],
                            w[p + "output.LayerNorm.bias"], eps)
        return self._pool(x, mask)

    def _pool(self, x: np.ndarray, mask: np.ndarray) -> np.ndarray:
        if self.pooling == "cls":
            pooled = x[:, 0]
        elif self.pooling == "max":
            pooled = np.where(mask[:, :, None] > 0, x, np.float32(-1e9)).max(1)
        else:
            pooled = (x * mask[:, :, None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1e-9)
        if self.normalize:
            pooled = pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        return pooled.astype(np.float32)
