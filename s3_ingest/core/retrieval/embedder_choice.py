"""Which embedder a process outside Dagster uses (the command line, an application): an
OpenAI-compatible endpoint when $S3_INGEST_EMBEDDINGS_URL names one, else the offline MiniLM.
Dagster-free, so a keyword search imports neither Dagster nor a model."""

from __future__ import annotations

import os

from s3_ingest.core.retrieval.embedder import Embedder

URL_ENV, MODEL_ENV, KEY_ENV = (
    "S3_INGEST_EMBEDDINGS_URL", "S3_INGEST_EMBEDDINGS_MODEL", "S3_INGEST_EMBEDDINGS_API_KEY")
DEFAULT_HTTP_MODEL = "text-embedding-3-small"  # OpenAI's; Ollama, vLLM and TEI need theirs named


def embedder_from_env() -> Embedder:
    if os.environ.get(URL_ENV):
        from s3_ingest.core.retrieval.http_embedder import HttpEmbedder

        model = os.environ.get(MODEL_ENV, DEFAULT_HTTP_MODEL)
        return HttpEmbedder(os.environ[URL_ENV], model, os.environ.get(KEY_ENV) or None)
    from s3_ingest.core.retrieval.local_minilm import LocalMiniLM

    return LocalMiniLM()
