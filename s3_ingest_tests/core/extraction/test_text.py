"""Plain text and Markdown, and the decoding every text kind relies on."""

import codecs
import random

import pytest

from s3_ingest.core.extraction import extract
from s3_ingest.core.extraction.text import BinaryContent, decode_text

BINARY_REASON = "binary content behind a text extension"
GERMAN = "Aufbewahrungsrichtlinie für Rechnungen: Größe, Maße und Übergabe, gültig ab März.\n"


def test_txt_happy_path_and_title():
    result = extract(b"\n\n  Remote Work Guidelines  \nStaff may work remotely.\n", "handbook/remote.txt")
    assert result.status == "indexed"
    assert "Staff may work remotely." in result.text
    assert result.title == "Remote Work Guidelines"
    assert result.reason is None


def test_txt_title_is_capped():
    result = extract(("x" * 1000 + "\nbody").encode(), "long.txt")
    assert result.title == "x" * 200


def test_utf8_bom_is_stripped():
    result = extract(codecs.BOM_UTF8 + "Résumé\r\nline two".encode(), "a.txt")
    assert result.text == "Résumé\nline two"
    assert result.title == "Résumé"


def test_latin1_fallback():
    result = extract(GERMAN.encode("latin-1"), "notes/de.txt")
    assert result.status == "indexed"
    assert "für Rechnungen: Größe, Maße und Übergabe" in result.text


def test_cp1252_fallback_keeps_smart_punctuation():
    text = "Kantine – Menü der Woche: “Käsespätzle” für 6,50 €. Don’t miss it.\n"
    assert extract(text.encode("cp1252"), "menu.txt").text == text


def test_declared_charset_is_used_for_non_utf8():
    text = "Привет, политика хранения данных. Это важно для всех сотрудников компании.\n"
    result = extract(text.encode("cp1251"), "ru.txt", "text/plain; charset=windows-1251")
    assert result.text == text


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_utf16_and_utf32_with_bom(codec):
    data = GERMAN.encode(codec)
    if codec in ("utf-16-le", "utf-16-be"):
        data = (codecs.BOM_UTF16_LE if codec.endswith("le") else codecs.BOM_UTF16_BE) + data
    result = extract(data, "wide.txt")
    assert result.status == "indexed"
    assert result.text == GERMAN


def test_utf16_without_bom():
    assert decode_text("Retention policy, version 2.\n".encode("utf-16-le")) == "Retention policy, version 2.\n"


@pytest.mark.parametrize(
    "data",
    [
        random.Random(1).randbytes(2048),  # contains NULs
        bytes(b for b in random.Random(2).randbytes(4096) if b != 0),  # no NULs, still binary
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10",
        b"plain start then a NUL\x00 in the middle",
        bytes(range(1, 32)) * 20,
    ],
)
def test_binary_behind_text_extension(data):
    for key in ("broken/file.txt", "broken/file.md", "broken/file.csv", "broken/file.json", "x.html"):
        result = extract(data, key)
        assert result.status == "metadata_only", key
        assert result.text is None
        # Recognised binary formats also name what the bytes are.
        assert result.reason.startswith(BINARY_REASON)


def test_decode_text_raises_binary_content():
    with pytest.raises(BinaryContent):
        decode_text(b"\x00\x01\x02\x03")


def test_tabs_and_escape_sequences_are_not_binary():
    log = "2024-10-01\tINFO\t\x1b[32mok\x1b[0m invoice sync finished\n" * 20
    assert extract(log.encode(), "sync.log").status == "indexed"


def test_empty_and_blank_text():
    assert extract(b"", "empty.txt").reason == "no text found"
    assert extract(b"  \n\t\n", "blank.md").reason == "no text found"
    assert extract(b"  \n", "blank.md").status == "metadata_only"


def test_markdown_title_is_first_h1():
    text = b"Intro line\n\n## Section\n\n# Data Retention Policy #\n\nBody.\n"
    result = extract(text, "policy.md")
    assert result.status == "indexed"
    assert result.title == "Data Retention Policy"
    assert result.text.startswith("Intro line")


def test_markdown_title_skips_code_fences_and_uses_front_matter():
    fenced = b"```bash\n# not a title\n```\n\n# Real title\n"
    assert extract(fenced, "a.md").title == "Real title"
    front = b"---\ntitle: 'From front matter'\nowner: legal\n---\n# Heading\n"
    assert extract(front, "b.md").title == "From front matter"


def test_markdown_title_falls_back_to_setext_then_any_heading():
    assert extract(b"Setext Title\n============\n\ntext\n", "a.md").title == "Setext Title"
    assert extract(b"text\n\n### Only a level three\n", "b.md").title == "Only a level three"
    assert extract(b"no headings at all\n", "c.md").title is None
