"""The dispatcher's contract: routing, unsupported types, truncation, and never raising."""

import dataclasses

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from s3_ingest.core import extraction
from s3_ingest_tests.imported import imported_after
from s3_ingest.core.extraction import Extraction, extract
from s3_ingest.core.extraction import dispatch

from .test_docx import make_docx
from .test_pdf import make_pdf


def test_public_api():
    assert set(extraction.__all__) >= {"Extraction", "extract", "kind_of"}
    result = extract(b"hello", "a.txt")
    assert result == Extraction("indexed", "hello", "hello", None)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.text = "changed"


@pytest.mark.parametrize(
    ("key", "content_type", "reason"),
    [
        ("media/logo.png", "image/png", "unsupported type: .png"),
        ("media/LOGO.PNG", None, "unsupported type: .png"),
        # Neither name nor content type says what it is: the bytes do.
        ("blob", "application/octet-stream; foo=bar", "unsupported type: image/png (detected from content)"),
        ("blob", None, "unsupported type: image/png (detected from content)"),
        # The name promises text, the bytes are an image.
        ("notes.txt", None, "binary content behind a text extension (content is image/png)"),
        ("report.pdf", None, "unsupported type: image/png behind .pdf"),
    ],
)
def test_unsupported_type(key, content_type, reason):
    assert extract(b"\x89PNG\r\n\x1a\n", key, content_type) == Extraction("metadata_only", None, None, reason)


@pytest.mark.parametrize(
    ("key", "content_type", "reason"),
    [
        ("blob", "application/octet-stream", "unsupported type: application/octet-stream"),
        ("blob", None, "unsupported type: no extension or content type"),
    ],
)
def test_unrecognised_bytes_keep_the_reason_from_the_name(key, content_type, reason):
    assert extract(b"\x01\x02\x03 unknown", key, content_type).reason == reason


def test_long_text_is_truncated_but_indexed():
    result = extract(b"retention " * 1000, "long.txt", max_text_chars=25)
    assert result.status == "indexed"
    assert result.text == "retention " * 2 + "reten"
    assert result.reason is None


def test_max_text_chars_must_be_positive():
    with pytest.raises(ValueError):
        extract(b"x", "a.txt", max_text_chars=0)


def test_unexpected_extractor_error_becomes_a_reason(monkeypatch):
    def explode(*args):
        raise RuntimeError("boom\nwith a second line " + "x" * 1000)

    monkeypatch.setitem(dispatch._EXTRACTORS, "txt", explode)
    result = extract(b"hello", "a.txt")
    assert result.status == "metadata_only"
    assert result.reason.startswith("txt extraction failed: RuntimeError: boom with a second line")
    assert "\n" not in result.reason and len(result.reason) < 300


def test_nul_characters_never_reach_the_index():
    # Postgres refuses NUL in text; PDFs with odd fonts can produce it.
    result = extract(make_pdf([["before\x00after"]]), "odd.pdf")
    assert result.status == "indexed"
    assert "\x00" not in result.text
    assert "beforeafter" in result.text


KEYS = ["a.txt", "a.md", "a.html", "a.json", "a.jsonl", "a.csv", "a.pdf", "a.docx", "a.png", "a"]
VALID = [make_pdf([["page one"], ["page two"]], "T"), make_docx(), b'{"a": [1, {"b": "c"}]}', b"<p>x</p>"]


def check(result: Extraction) -> None:
    assert result.status in ("indexed", "metadata_only")
    if result.status == "indexed":
        assert result.text and result.reason is None
    else:
        assert result.text is None and result.reason
        assert "\n" not in result.reason and len(result.reason) < 300


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=2048), key=st.sampled_from(KEYS))
def test_random_bytes_never_raise(data, key):
    check(extract(data, key))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    source=st.sampled_from(VALID),
    key=st.sampled_from(["x.pdf", "x.docx", "x.json", "x.html"]),
    cut=st.floats(0, 1),
    flips=st.lists(st.tuples(st.floats(0, 1), st.integers(0, 255)), max_size=8),
)
def test_damaged_documents_never_raise(source, key, cut, flips):
    damaged = bytearray(source[: max(1, int(len(source) * cut))] if cut < 0.5 else source)
    for where, value in flips:
        damaged[int(where * (len(damaged) - 1))] = value
    check(extract(bytes(damaged), key))


@settings(max_examples=100, deadline=None)
@given(text=st.text(max_size=500), key=st.sampled_from(["a.txt", "a.md", "a.html", "a.csv", "a.json"]))
def test_arbitrary_text_never_raises(text, key):
    check(extract(text.encode("utf-8", "surrogatepass"), key))


def test_text_is_extracted_without_loading_the_sandboxed_formats_parsers():
    """The syncing process parses text itself and sends pdf and office files to the sandbox's
    workers: it must not carry their parsers (memory and start-up time)."""
    code = ("from s3_ingest.core.extraction import extract\n"
            "assert extract(b'# Title\\nwords', 'a.md').text\n"
            "assert extract(b'a,b\\n1,2', 'a.csv').text")
    heavy = ("openpyxl", "pypdf", "pptx", "docx", "ebooklib", "xlrd")
    assert imported_after(code, heavy) == []
