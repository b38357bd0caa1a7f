"""A chunks run cuts to the embedder's own window, and re-cuts chunks cut by the word budget."""

import json
from pathlib import Path

import pytest
from tokenizers import Tokenizer

from s3_ingest.core.retrieval.chunk_run import chunk_partition
from s3_ingest.core.retrieval.model_files import DEFAULT_MODEL, _bundled_directory
from s3_ingest_tests.core.index.conftest import (  # noqa: F401 - fixtures
    backend, index_url, make_index, postgres_module_url)
from s3_ingest_tests.core.retrieval.fakes import HashingEmbedder, doc

LONG = " ".join(f"Paragraph {i} tells of kestrels, harbours and trucks number {i}." * 3
                for i in range(40))
TOKENIZER = (Path(_bundled_directory(DEFAULT_MODEL)) / "tokenizer.json").read_text()


class WindowedEmbedder(HashingEmbedder):
    """The hashing embedder with a local model's tokenizer and a 64-token window."""

    max_tokens = 64

    def tokenizer_json(self):
        return TOKENIZER


_SPEC = json.loads(TOKENIZER)
_SPEC["truncation"] = _SPEC["padding"] = None
COUNTER = Tokenizer.from_str(json.dumps(_SPEC))


def tokens(text):
    return len(COUNTER.encode(text).ids)


@pytest.fixture
def index(make_index):
    ix = make_index()
    ix.upsert([doc("p/long.txt", LONG),
               doc("p/a.md", "# Alpha\nKestrels hover over the dunes.\n# Beta\nOwls hunt.")])
    return ix


def test_every_embedded_text_fits_the_embedders_window(index):
    embedder = WindowedEmbedder()
    report = chunk_partition(index, "docs", "p/", embedder)
    assert report.written > 10
    assert max(tokens(text) for text in embedder.embedded) <= 64
    again = WindowedEmbedder()
    assert chunk_partition(index, "docs", "p/", again).embedded == 0  # unchanged stays


def test_chunks_cut_by_the_word_budget_are_cut_again_to_fit(index):
    chunk_partition(index, "docs", "p/", HashingEmbedder())  # same model name, word budget
    embedder = WindowedEmbedder()
    report = chunk_partition(index, "docs", "p/", embedder)
    assert report.documents_changed == 2
    assert max(tokens(text) for text in embedder.embedded) <= 64
    assert index.chunk_count("docs", "p/") == report.written
