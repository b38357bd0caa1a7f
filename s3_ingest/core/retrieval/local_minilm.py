"""The default embedder: all-MiniLM-L6-v2 (384 dimensions), mean-pooled, unit length.

Pinned to a Hub revision and its weights' SHA-256 (model_files.py). The demo and test installs
carry its files in a package, so they run offline; a production install downloads them once
through huggingface_hub into its cache (or reads them from a directory it is pointed at).
"""

from __future__ import annotations

from s3_ingest.core.retrieval.local_embedder import LocalEmbedder
from s3_ingest.core.retrieval.model_files import DEFAULT_MODEL, ModelSpec, resolve

MODEL_NAME = DEFAULT_MODEL
DIMENSION = 384
MAX_TOKENS = 256  # the model's max_seq_length (sentence_bert_config.json), special tokens included


def model_directory() -> str:
    """Where the default model's files are on this machine (weights checked)."""
    return resolve(ModelSpec(MODEL_NAME)).directory


class LocalMiniLM(LocalEmbedder):
    """all-MiniLM-L6-v2 on the CPU, loaded once per process on first use."""

    model = MODEL_NAME  # type: ignore[assignment] - a class attribute, known before loading
    dimension = DIMENSION  # type: ignore[assignment]
    max_tokens = MAX_TOKENS  # type: ignore[assignment]

    def __init__(self, batch_size: int = 256) -> None:
        super().__init__(MODEL_NAME, batch_size=batch_size)
