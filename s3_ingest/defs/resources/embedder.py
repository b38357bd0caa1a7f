"""The embedder as a Dagster resource: the offline default, or an OpenAI-compatible endpoint.

One line of configuration switches to an endpoint: set S3_INGEST_EMBEDDINGS_URL (and
S3_INGEST_EMBEDDINGS_MODEL, and S3_INGEST_EMBEDDINGS_API_KEY when it needs a key). The key is
read through an EnvVar, so it never appears in the UI, the run config or the event log.
"""

from __future__ import annotations

import os
from typing import Any

from dagster import ConfigurableResource, EnvVar
from pydantic import Field, PrivateAttr

from s3_ingest.core.retrieval.embedder import Embedder

from s3_ingest.core.retrieval.embedder_choice import (  # noqa: F401 - re-exported
    DEFAULT_HTTP_MODEL, KEY_ENV, MODEL_ENV, URL_ENV, embedder_from_env, local_model_from_env,
)

# Namespaced, so it cannot clash with a resource of the project s3_ingest is added to.
EMBEDDER_KEY = "s3_ingest_embedder"


class LocalEmbedderResource(ConfigurableResource):
    """A BERT-family sentence model on the CPU; all-MiniLM-L6-v2 unless another is named."""

    model: str | None = Field(
        default=None, description="A Hugging Face Hub id (BAAI/bge-small-en-v1.5) or a local "
        "directory; all-MiniLM-L6-v2 when unset ($S3_INGEST_LOCAL_MODEL).")
    revision: str | None = Field(default=None, description="The Hub commit to pin it to.")
    weights_sha256: str | None = Field(
        default=None, description="The SHA-256 model.safetensors must have (checked on load).")
    # Enough texts that the length-sorted batches keep every core busy to the end.
    batch_size: int = Field(default=256, description="Texts handed to the model at once.")

    def embedder(self) -> Embedder:
        from s3_ingest.core.retrieval.embedder_choice import local_embedder

        return local_embedder(self.model, self.revision, self.weights_sha256, self.batch_size)


class HttpEmbedderResource(ConfigurableResource):
    """An OpenAI-compatible /embeddings endpoint (OpenAI, Azure, Ollama, vLLM, TEI)."""

    base_url: str = Field(description="e.g. https://api.openai.com/v1 or http://localhost:11434/v1")
    model: str = Field(description="The model name the endpoint expects.")
    api_key: str | None = Field(default=None, description="Give it as an EnvVar.")
    key_header: str = Field(default="Authorization", description="Azure OpenAI: api-key.")
    batch_size: int = 64
    max_attempts: int = 5
    timeout_s: float = 60.0
    concurrency: int = Field(default=4, description="Batches in flight at once.")

    _embedder: Any = PrivateAttr(default=None)

    def embedder(self) -> Embedder:
        if self._embedder is None:
            from s3_ingest.core.retrieval.http_embedder import HttpEmbedder

            self._embedder = HttpEmbedder(
                self.base_url, self.model, self.api_key, batch_size=self.batch_size,
                max_attempts=self.max_attempts, timeout_s=self.timeout_s,
                key_header=self.key_header, concurrency=self.concurrency,
            )
        return self._embedder


def embedder_resource() -> ConfigurableResource:
    if os.environ.get(URL_ENV):
        return HttpEmbedderResource(
            base_url=EnvVar(URL_ENV),
            model=os.environ.get(MODEL_ENV, DEFAULT_HTTP_MODEL),
            api_key=EnvVar(KEY_ENV) if os.environ.get(KEY_ENV) else None,
        )
    return LocalEmbedderResource(**local_model_from_env())
