"""xml: text content, with entity bombs, external entities and deep nesting handled."""

from s3_ingest.core.extraction import extract

from .hostile_zips import BILLION_LAUGHS, EXTERNAL_ENTITY


def test_text_content_and_title():
    data = b'<?xml version="1.0"?><feed><title>Depot news</title><entry a="attr-not-text">New <b>forklift</b> in Essen</entry></feed>'
    result = extract(data, "feeds/news.xml")
    assert result.status == "indexed", result.reason
    assert result.text == "Depot news New forklift in Essen"
    assert result.title == "Depot news"
    assert result.properties["root_element"] == "feed"


def test_billion_laughs_is_refused():
    result = extract(BILLION_LAUGHS, "bomb.xml")
    assert result.status == "metadata_only"
    assert result.reason == "xml refused: entity declarations are not allowed (entity expansion bombs)"


def test_external_entities_are_never_resolved():
    result = extract(EXTERNAL_ENTITY, "xxe.xml")
    assert result.status == "metadata_only"
    assert result.reason.startswith("xml refused: ")


def test_deep_nesting_does_not_exhaust_the_stack():
    depth = 50_000
    data = b"<a>" * depth + b"deep kingfisher" + b"</a>" * depth
    assert extract(data, "deep.xml").text == "deep kingfisher"


def test_malformed_xml_is_a_reason():
    result = extract(b"<a><b></a>", "bad.xml")
    assert result.status == "metadata_only"
    assert result.reason.startswith("invalid XML: mismatched tag")
