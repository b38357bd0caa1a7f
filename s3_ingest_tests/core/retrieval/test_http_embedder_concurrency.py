"""Issue 19: the HTTP embedder keeps several batches in flight, against a local
OpenAI-compatible server with added latency - vectors in the texts' order, one failed batch
failing the call, the key nowhere but its header. No timing asserts: the server counts how many
requests it held at once (bench/http_embedding.py measures the throughput)."""

import logging

import pytest

from s3_ingest.core.retrieval.embedder import EmbedderError
from s3_ingest.core.retrieval.http_embedder import HttpEmbedder
from s3_ingest_tests.core.retrieval.embeddings_server import EmbeddingsServer

KEY = "sk-concurrency-test-9d2e-never-shown"
TEXTS = [f"t {n}" for n in range(64)]


def test_batches_are_in_flight_at_once_up_to_the_concurrency():
    with EmbeddingsServer(0.05, hold_until=4, key=KEY) as server:
        embedder = HttpEmbedder(server.url, "m", KEY, batch_size=8, concurrency=4)
        vectors = embedder.embed(TEXTS)
        # Each request waited until 4 were held at once: they were, and never more.
        assert server.max_in_flight == 4 and server.requests == 8
        assert [v[0] for v in vectors] == pytest.approx(
            [n / (n * n + 1) ** 0.5 for n in range(64)])  # [n, 1] made unit: input order


def test_one_at_a_time_when_concurrency_is_1():
    with EmbeddingsServer(0.01) as server:
        HttpEmbedder(server.url, "m", batch_size=8, concurrency=1).embed(TEXTS)
        assert server.max_in_flight == 1 and server.requests == 8


def test_a_batch_that_fails_fails_the_whole_call_and_never_shows_the_key(caplog):
    caplog.set_level(logging.DEBUG)
    with EmbeddingsServer(0.02, key=KEY, fail_text="t 21") as server:
        embedder = HttpEmbedder(server.url, "m", KEY, batch_size=8, concurrency=4,
                                max_attempts=1)
        with pytest.raises(EmbedderError) as raised:
            embedder.embed(TEXTS)
    message = str(raised.value)
    assert "batch 3 of 8 (8 texts)" in message and "HTTP 400" in message
    assert KEY not in message and KEY not in repr(raised.value) and KEY not in caplog.text
    assert KEY not in repr(embedder) and all(
        h["Authorization"] == f"Bearer {KEY}" for h in server.headers)


def test_a_wrong_key_fails_every_batch_and_says_to_check_it():
    with EmbeddingsServer(0.0, key=KEY) as server:
        embedder = HttpEmbedder(server.url, "m", "sk-wrong-key-123", batch_size=8,
                                concurrency=4)
        with pytest.raises(EmbedderError, match="HTTP 401 \\(check the API key\\)") as raised:
            embedder.embed(TEXTS)
    assert "sk-wrong-key-123" not in str(raised.value)
