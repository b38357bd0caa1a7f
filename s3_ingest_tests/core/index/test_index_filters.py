"""Search filters on both backends: source, partition, key prefix (wildcards literal), tags and
content type."""

from __future__ import annotations

from s3_ingest.core.index import DocumentIndex
from s3_ingest.core.index.base import SearchFilters
from s3_ingest_tests.core.index.documents import keys, make_doc


def test_filter_source_and_partition(index: DocumentIndex) -> None:
    index.upsert(
        [
            make_doc("a", text="heron", partition="p1"),
            make_doc("b", text="heron", partition="p2"),
            make_doc("c", text="heron", source="other", partition="p1"),
        ]
    )
    assert sorted(keys(index.search("heron", SearchFilters(source="docs")))) == ["a", "b"]
    assert sorted(keys(index.search("heron", SearchFilters(partition="p1")))) == ["a", "c"]
    assert keys(index.search("heron", SearchFilters(source="docs", partition="p2"))) == ["b"]
    assert index.search("heron", SearchFilters(source="nobody")) == []


def test_filter_key_prefix_treats_wildcards_literally(index: DocumentIndex) -> None:
    index.upsert(
        [
            make_doc("data/100%_done/a.txt", text="ibis"),
            make_doc("data/100xydone/b.txt", text="ibis"),  # would match an unescaped LIKE
            make_doc("data/100%_donut/c.txt", text="ibis"),
            make_doc("Data/100%_done/d.txt", text="ibis"),  # prefixes are case-sensitive
            make_doc("other/e.txt", text="ibis"),
        ]
    )

    def prefixed(prefix: str) -> list[str]:
        return sorted(keys(index.search("ibis", SearchFilters(key_prefix=prefix))))

    assert prefixed("data/100%_done/") == ["data/100%_done/a.txt"]
    assert prefixed("data/100%_") == ["data/100%_done/a.txt", "data/100%_donut/c.txt"]
    assert prefixed("data/") == [
        "data/100%_done/a.txt",
        "data/100%_donut/c.txt",
        "data/100xydone/b.txt",
    ]
    assert prefixed("%") == []
    assert prefixed("_") == []
    assert prefixed("data\\") == []
    assert len(prefixed("")) == 5


def test_filter_tags(index: DocumentIndex) -> None:
    index.upsert(
        [
            make_doc("a", text="okapi", tags={"team.name": "search", "env": "prod"}),
            make_doc("b", text="okapi", tags={"team.name": "other", "env": "prod"}),
            make_doc("c", text="okapi", tags={"team": "search"}),
            make_doc("d", text="okapi", tags={'owner "x" y': "me", "with space": "ok"}),
            make_doc("e", text="okapi"),
        ]
    )

    def with_tags(tags: dict[str, str]) -> list[str]:
        return sorted(keys(index.search("okapi", SearchFilters(tags=tags))))

    assert with_tags({"team.name": "search"}) == ["a"]
    assert with_tags({"env": "prod"}) == ["a", "b"]
    assert with_tags({"env": "prod", "team.name": "other"}) == ["b"]
    assert with_tags({"env": "prod", "team.name": "nobody"}) == []
    assert with_tags({"team": "search"}) == ["c"]
    assert with_tags({'owner "x" y': "me"}) == ["d"]
    assert with_tags({"with space": "ok"}) == ["d"]
    assert with_tags({"$.env": "prod"}) == []
    assert with_tags({"env": "PROD"}) == []
    assert len(with_tags({})) == 5


def test_filter_content_type_ignores_parameters_and_case(index: DocumentIndex) -> None:
    index.upsert(
        [
            make_doc("html", text="gecko", content_type="text/html; charset=utf-8"),
            make_doc("html2", text="gecko", content_type="Text/HTML"),
            make_doc("plain", text="gecko", content_type="text/plain;charset=us-ascii"),
            make_doc("none", text="gecko", content_type=None),
        ]
    )

    def typed(content_type: str) -> list[str]:
        return sorted(keys(index.search("gecko", SearchFilters(content_type=content_type))))

    assert typed("text/html") == ["html", "html2"]
    assert typed("text/html; charset=latin-1") == ["html", "html2"]
    assert typed("text/plain") == ["plain"]
    assert typed("application/pdf") == []
    # Stored as given.
    got = index.get("docs", "html")
    assert got is not None and got.content_type == "text/html; charset=utf-8"
