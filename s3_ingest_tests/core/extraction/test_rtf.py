from s3_ingest.core.extraction import extract

RTF = rb"""{\rtf1\ansi\deff0{\fonttbl{\f0 Times;}}{\info{\title Dock safety}{\author Harbour office}}
\pard Hard hats on the \b quay\b0  at all times.\par
Caf\'e9 closes at 16:00.\par}"""


def test_text_title_and_author():
    result = extract(RTF, "notes/dock.rtf")
    assert result.status == "indexed", result.reason
    assert result.text == "Hard hats on the quay at all times.\nCafé closes at 16:00."
    assert result.title == "Dock safety"
    assert result.properties == {"author": "Harbour office"}


def test_found_by_content_behind_a_generic_name():
    assert "Hard hats" in extract(RTF, "upload.bin").text
