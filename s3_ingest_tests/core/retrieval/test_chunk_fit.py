"""Chunks fit the model: every embedded chunk of a realistic corpus is within its window."""

import json
import logging
from pathlib import Path

import pytest
from tokenizers import Tokenizer

import s3_ingest
from s3_ingest.core.extraction import extract
from s3_ingest.core.retrieval.chunk_size import TokenWindow, window_for
from s3_ingest.core.retrieval.chunking import chunk_document, embedding_text
from s3_ingest.core.retrieval.local_minilm import MAX_TOKENS, LocalMiniLM

PACKAGE = Path(s3_ingest.__file__).parent
README = PACKAGE.parent / "README.md"


@pytest.fixture(scope="module")
def counter():
    """The model's tokenizer counting every token, [CLS] and [SEP] included, never cutting."""
    spec = json.loads(LocalMiniLM().tokenizer_json())
    spec["truncation"] = spec["padding"] = None
    tokenizer = Tokenizer.from_str(json.dumps(spec))
    return lambda text: len(tokenizer.encode(text, add_special_tokens=True).ids)


def corpus():
    for path in sorted((PACKAGE / "sample" / "corpus").rglob("*")):
        if path.is_file() and "scans" not in path.parts:  # scans are OCR: slow, and short
            key = str(path.relative_to(PACKAGE / "sample" / "corpus"))
            yield key, extract(path.read_bytes(), key).text
    yield "README.md", README.read_text()


def test_every_embedded_chunk_of_the_corpus_fits_the_window(counter):
    size = window_for(LocalMiniLM())
    assert isinstance(size, TokenWindow) and size.window == MAX_TOKENS == 256
    lengths = []
    for key, text in corpus():
        for chunk in chunk_document(key, text, size=size):
            lengths.append(counter(embedding_text(chunk)))
    assert len(lengths) > 60
    assert max(lengths) <= 256
    # Near the window, not crumbs: most of the window is used where there is text to fill it.
    long = sorted(lengths)[len(lengths) // 2:]
    assert sum(long) / len(long) > 150


def test_nothing_of_a_document_is_left_out(counter):
    size = window_for(LocalMiniLM())
    text = README.read_text()
    chunks = chunk_document("README.md", text, size=size)
    covered = {word for chunk in chunks for word in embedding_text(chunk).split()}
    assert {word for word in text.split() if not word.startswith("#")} <= covered
    assert [c.position for c in chunks] == list(range(len(chunks)))


def test_the_word_budget_alone_would_overflow_the_window(counter):
    # Why the window matters: the same README cut at 200-300 words passes it.
    chunks = chunk_document("README.md", README.read_text())
    assert max(counter(embedding_text(c)) for c in chunks) > 256


def test_a_long_heading_is_shortened_so_the_text_still_fits(counter):
    size = window_for(LocalMiniLM())
    header = " | ".join(f"column_{i}_name" for i in range(120))
    rows = [" | ".join(f"v{i}_{j}" for j in range(120)) for i in range(5)]
    chunks = chunk_document("wide.csv", "\n".join([header, *rows]), size=size)
    assert chunks and all(counter(embedding_text(c)) <= 256 for c in chunks)
    assert chunks[0].heading.endswith(" ...") and chunks[0].heading.startswith("column_0_name")
    assert "v4_119" in chunks[-1].text  # the rows' ends are kept, in some chunk


def test_rows_are_whole_and_fit(counter):
    size = window_for(LocalMiniLM())
    header = "invoice_id | customer | amount"
    rows = [f"INV-{i} | customer {i} with a longer name {i} | {i}.00" for i in range(200)]
    chunks = chunk_document("inv.csv", "\n".join([header, *rows]), size=size)
    assert [line for c in chunks for line in c.text.split("\n")] == rows
    assert all(counter(embedding_text(c)) <= 256 for c in chunks)
    assert max(counter(embedding_text(c)) for c in chunks) > 200  # filled, not one row each


def test_a_text_cut_to_the_window_is_reported(caplog):
    with caplog.at_level(logging.WARNING, "s3_ingest.core.retrieval.local_embedder"):
        LocalMiniLM().embed(["short", " ".join(["word"] * 400)])
    assert "1 of 2 texts were longer than sentence-transformers/all-MiniLM-L6-v2's window of " \
           "256 tokens" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING, "s3_ingest.core.retrieval.local_embedder"):
        LocalMiniLM().embed(["short"])
    assert caplog.text == ""
