"""Which embedder a process outside Dagster uses (the command line, an application): an
OpenAI-compatible endpoint when $S3_INGEST_EMBEDDINGS_URL names one, else the local model:
$S3_INGEST_LOCAL_MODEL (a Hub id or a directory; all-MiniLM-L6-v2 when unset), pinned by
$S3_INGEST_LOCAL_MODEL_REVISION and $S3_INGEST_LOCAL_MODEL_SHA256.
Dagster-free, so a keyword search imports neither Dagster nor a model."""

from __future__ import annotations

import os

from s3_ingest.core.retrieval.embedder import Embedder

URL_ENV, MODEL_ENV, KEY_ENV = (
    "S3_INGEST_EMBEDDINGS_URL", "S3_INGEST_EMBEDDINGS_MODEL", "S3_INGEST_EMBEDDINGS_API_KEY")
DEFAULT_HTTP_MODEL = "text-embedding-3-small"  # OpenAI's; Ollama, vLLM and TEI need theirs named
LOCAL_MODEL_ENV, LOCAL_REVISION_ENV, LOCAL_SHA256_ENV = (
    "S3_INGEST_LOCAL_MODEL", "S3_INGEST_LOCAL_MODEL_REVISION", "S3_INGEST_LOCAL_MODEL_SHA256")


def local_model_from_env() -> dict[str, str | None]:
    """The local model's settings: the same for the chunks runs and for search."""
    return {"model": os.environ.get(LOCAL_MODEL_ENV) or None,
            "revision": os.environ.get(LOCAL_REVISION_ENV) or None,
            "weights_sha256": os.environ.get(LOCAL_SHA256_ENV) or None}


def embedder_from_env() -> Embedder:
    if os.environ.get(URL_ENV):
        from s3_ingest.core.retrieval.http_embedder import HttpEmbedder

        model = os.environ.get(MODEL_ENV, DEFAULT_HTTP_MODEL)
        return HttpEmbedder(os.environ[URL_ENV], model, os.environ.get(KEY_ENV) or None)
    return local_embedder(**local_model_from_env())


def local_embedder(model: str | None = None, revision: str | None = None,
                   weights_sha256: str | None = None, batch_size: int = 256) -> Embedder:
    """The default (LocalMiniLM, known without loading) unless another model or pin is named."""
    from s3_ingest.core.retrieval.model_files import DEFAULT_MODEL

    if (model is None or model == DEFAULT_MODEL) and not (revision or weights_sha256):
        from s3_ingest.core.retrieval.local_minilm import LocalMiniLM

        return LocalMiniLM(batch_size=batch_size)
    from s3_ingest.core.retrieval.local_embedder import LocalEmbedder

    return LocalEmbedder(model or DEFAULT_MODEL, revision=revision, weights_sha256=weights_sha256,
                         batch_size=batch_size)
