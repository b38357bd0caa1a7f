"""Every new binary, XML and mail format is parsed in the sandbox's workers, not in the caller."""

import os
from email.message import EmailMessage

import pytest

from s3_ingest.core.extraction import Extraction, ExtractionSandbox
from s3_ingest.core.extraction.sandbox import SANDBOXED_KINDS

from .hostile_zips import BILLION_LAUGHS
from .test_epub import make_epub
from .test_opendocument import make_odt
from .test_presentation import make_pptx
from .test_rtf import RTF
from .test_spreadsheet import make_xlsx

WHERE = f"{__name__}:where_extracted"


def where_extracted(data: bytes, key: str, content_type: str | None, **options: object) -> Extraction:
    """Runs in the worker: says which process it is and which options it was given."""
    return Extraction("indexed", str(os.getpid()), None, None, {k: str(v) for k, v in options.items()})


def mail() -> bytes:
    message = EmailMessage()
    message["Subject"] = "hello"
    message.set_content("body")
    return message.as_bytes()


@pytest.fixture(scope="module")
def where():
    with ExtractionSandbox(workers=1, timeout_s=30, _target=WHERE) as box:
        yield box


@pytest.mark.parametrize(
    ("key", "make"),
    [
        ("a.pptx", make_pptx), ("a.xlsx", make_xlsx), ("a.epub", make_epub), ("a.odt", make_odt),
        ("a.eml", mail), ("a.rtf", lambda: RTF), ("a.xml", lambda: b"<a>x</a>"),
        ("no-extension", make_pptx),  # typed by content, still sandboxed
    ],
)  # fmt: skip
def test_parsed_in_a_worker_process(where, key, make):
    result = where.extract(make(), key)
    assert result.text != str(os.getpid())
    assert int(result.text) in where.worker_pids()


def test_text_kinds_stay_in_process(where):
    assert where.extract(b"a: 1\n", "a.yaml").properties == {"kind": "yaml"}  # the real extractor ran


def test_ocr_option_reaches_the_worker(where):
    assert where.extract(b"%PDF-1.4", "a.pdf", ocr=True).properties == {"ocr": "True"}
    assert where.extract(b"%PDF-1.4", "a.pdf").properties == {}


def test_sandboxed_kinds():
    assert {"pdf", "docx", "pptx", "xlsx", "xls", "epub", "eml", "odt", "ods", "odp", "rtf", "xml"} == SANDBOXED_KINDS


def test_real_extraction_in_the_worker_keeps_properties_and_refusals():
    with ExtractionSandbox(workers=1, timeout_s=30) as box:
        deck = box.extract(make_pptx(), "deck.pptx")
        bomb = box.extract(BILLION_LAUGHS, "bomb.xml")
    assert deck.properties["slide_count"] == "2" and "ptarmigan" in deck.text
    assert bomb.reason == "xml refused: entity declarations are not allowed (entity expansion bombs)"
