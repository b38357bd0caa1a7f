import pytest

from s3_ingest.core.extraction import kind_of
from s3_ingest.core.extraction.kinds import charset_of, extension_of


@pytest.mark.parametrize(
    ("key", "kind"),
    [
        ("notes.txt", "txt"),
        ("NOTES.TXT", "txt"),
        ("docs/Readme.Md", "md"),
        ("docs/guide.markdown", "md"),
        ("site/index.HTM", "html"),
        ("site/index.html", "html"),
        ("data/vendors.JSON", "json"),
        ("data/events.jsonl", "json"),
        ("data/events.ndjson", "json"),
        ("data/invoices.CSV", "csv"),
        ("data/invoices.tsv", "csv"),
        ("reports/Q3.PDF", "pdf"),
        ("handbook/Employee Handbook.DocX", "docx"),
    ],
)
def test_extension_decides_case_insensitively(key, kind):
    assert kind_of(key) == kind


@pytest.mark.parametrize(
    ("content_type", "kind"),
    [
        ("text/plain", "txt"),
        ("text/plain; charset=ISO-8859-1", "txt"),
        ("Text/Markdown;charset=utf-8", "md"),
        ("text/html; charset=utf-8", "html"),
        ("application/json; charset=utf-8", "json"),
        ("text/csv;header=present", "csv"),
        ("application/pdf", "pdf"),
        ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
    ],
)
def test_content_type_decides_without_an_extension(content_type, kind):
    assert kind_of("exports/2024/object-without-extension", content_type) == kind


def test_known_extension_wins_over_content_type():
    assert kind_of("report.pdf", "application/octet-stream") == "pdf"
    assert kind_of("page.html", "text/plain") == "html"


def test_unknown_extension_falls_back_to_content_type():
    assert kind_of("export.dat", "text/csv") == "csv"


@pytest.mark.parametrize(
    ("key", "content_type"),
    [
        ("media/logo.png", "image/png"),
        ("media/logo.png", None),
        ("archive.tar.gz", "application/gzip"),
        ("no-extension", None),
        ("no-extension", "application/octet-stream"),
        (".gitignore", None),
        ("dir.with.dots/file", None),
    ],
)
def test_unsupported(key, content_type):
    assert kind_of(key, content_type) is None


def test_extension_of_ignores_dotfiles_and_directory_dots():
    assert extension_of("a.b/c") is None
    assert extension_of("a/.env") is None
    assert extension_of("a/b.tar.GZ") == ".gz"
    assert extension_of("a/weird.ext with spaces") is None


def test_charset_of():
    assert charset_of("text/plain; charset=ISO-8859-1") == "iso8859-1"
    assert charset_of('text/plain; format=flowed; charset="windows-1252"') == "cp1252"
    assert charset_of("text/plain; charset=no-such-codec") is None
    assert charset_of("text/plain") is None
    assert charset_of(None) is None
