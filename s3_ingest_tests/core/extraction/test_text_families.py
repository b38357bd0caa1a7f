"""Config, markup, logs and code are indexed as text with their kind recorded."""

import pytest

from s3_ingest.core.extraction import extract


@pytest.mark.parametrize(
    ("key", "body", "properties"),
    [
        ("deploy/values.yaml", b"replicas: 3\nimage: kestrel/api\n", {"kind": "yaml"}),
        ("pyproject.toml", b'[project]\nname = "kestrel"\n', {"kind": "toml"}),
        ("setup.cfg", b"[metadata]\nname = kestrel\n", {"kind": "ini"}),
        ("docs/index.rst", b"Kestrel\n=======\n\nRouting docs.\n", {"kind": "rst"}),
        ("notes/todo.org", b"* TODO call the kestrel depot\n", {"kind": "org"}),
        ("paper/main.tex", b"\\section{Kestrel routing}\n", {"kind": "tex"}),
        ("logs/app.log", b"2024-10-01 ERROR kestrel timeout\n", {"kind": "log"}),
        ("src/route.py", b"def kestrel():\n    return 1\n", {"kind": "code", "code_language": "python"}),
        ("web/app.ts", b"export const kestrel = 1;\n", {"kind": "code", "code_language": "typescript"}),
    ],
)
def test_indexed_as_text_with_kind(key, body, properties):
    result = extract(body, key)
    assert result.status == "indexed", result.reason
    assert "kestrel" in result.text.lower()
    assert result.properties == properties


def test_binary_behind_a_code_extension_is_not_text():
    result = extract(bytes(range(256)) * 8, "src/blob.py")
    assert result.status == "metadata_only"
    assert result.reason == "binary content behind a text extension"
