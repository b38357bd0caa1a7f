"""The local embedder: a BERT-family sentence-transformers model on the CPU, in NumPy.

Named by a Hub id or a directory (model_files.py); pooling, normalisation and the window come
from the model's own files (sentence_config.py). Loaded once per process and model, on first
use, so a keyword search never pays for it. A text longer than the window is cut to it - the
chunker sizes chunks to fit, so that is a query or a caller's text - and the embedder logs how
many were cut rather than dropping their ends without a word.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import Any

from s3_ingest.core.retrieval.model_files import DEFAULT_MODEL, ModelSpec, resolve

log = logging.getLogger(__name__)

_models: dict[ModelSpec, Any] = {}
_lock = threading.Lock()


def load_model(spec: ModelSpec) -> Any:
    """The process's encoder for `spec`, its files found and its weights checked once here."""
    with _lock:
        if spec not in _models:
            from s3_ingest.core.retrieval.bert_numpy import BertEncoder
            from s3_ingest.core.retrieval.sentence_config import read_sentence_config

            files = resolve(spec)
            config = read_sentence_config(files.directory)
            encoder = BertEncoder(files.directory, files.weights, config.max_seq_length,
                                  pooling=config.pooling, normalize=config.normalize)
            encoder.config, encoder.files = config, files
            log.info("embedding model %s from %s: %s pooling%s, %d tokens, %d dimensions",
                     spec.name, files.origin, config.pooling,
                     ", normalised" if config.normalize else "", config.max_seq_length,
                     config.dimension)
            _models[spec] = encoder
        return _models[spec]


class LocalEmbedder:
    """A sentence model named by Hub id or directory, run on the CPU."""

    def __init__(self, model: str = DEFAULT_MODEL, *, revision: str | None = None,
                 weights_sha256: str | None = None, batch_size: int = 256) -> None:
        self.spec = ModelSpec(model, revision, weights_sha256)
        self.batch_size = batch_size

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.model!r})"

    @property
    def model(self) -> str:  # recorded with every vector: vectors of two models never meet
        return self.spec.name

    @property
    def dimension(self) -> int:
        return self.encoder().config.dimension

    @property
    def max_tokens(self) -> int:
        return self.encoder().config.max_seq_length

    def encoder(self) -> Any:
        return load_model(self.spec)

    def tokenizer_json(self) -> str:
        """The model's tokenizer.json, for sizing chunks in its own tokens."""
        import os

        with open(os.path.join(self.encoder().files.directory, "tokenizer.json"),
                  encoding="utf-8") as f:
            return f.read()

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        if not texts:
            return []
        encoder = self.encoder()
        before = encoder.truncated
        vectors: list[list[float]] = []
        for start in range(0, len(texts), self.batch_size):
            vectors.extend(encoder.encode(texts[start:start + self.batch_size]).tolist())
        if encoder.truncated > before:
            log.warning("%d of %d texts were longer than %s's window of %d tokens and were "
                        "cut to it: the rest of each is not in its vector",
                        encoder.truncated - before, len(texts), self.model, self.max_tokens)
        return vectors
