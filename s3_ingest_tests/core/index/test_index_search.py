"""Full-text search on both backends: ranking, snippets, limits, and what words match (phrases,
prefixes, diacritics, stems, punctuation, parts of keys and addresses)."""

from __future__ import annotations

import pytest

from s3_ingest.core.index import DocumentIndex
from s3_ingest_tests.core.index.documents import T0, keys, make_doc


def test_title_match_outranks_body_match_and_snippets_highlight(index: DocumentIndex) -> None:
    filler = " ".join(f"word{i}" for i in range(40))
    index.upsert(
        [
            make_doc("body", title="Unrelated", text=f"{filler} the budget for next year {filler}"),
            make_doc("titled", title="Budget", text=f"Plans. {filler}"),
            make_doc("none", title="Nothing", text="nothing here"),
        ]
    )
    hits = index.search("budget")
    assert keys(hits) == ["titled", "body"]
    assert hits[0].score > hits[1].score
    body_hit = hits[1]
    assert "[budget]" in body_hit.snippet
    assert "…" in body_hit.snippet
    assert len(body_hit.snippet.split()) <= 14  # ~12 tokens plus ellipses
    # The title-only hit falls back to the start of the text.
    assert hits[0].snippet.startswith("Plans. word0")
    assert "[" not in hits[0].snippet
    assert hits[0].title == "Budget"
    assert hits[0].bucket == "bucket-a"
    assert hits[0].last_modified == T0


def test_key_match_ranks_between_title_and_text(index: DocumentIndex) -> None:
    index.upsert(
        [
            make_doc("notes/misc.txt", title="Misc", text="the quarterly numbers, again"),
            make_doc("quarterly/report.txt", title="Report", text="numbers"),
            make_doc("misc/summary.txt", title="Quarterly summary", text="numbers"),
        ]
    )
    assert keys(index.search("quarterly")) == [
        "misc/summary.txt", "quarterly/report.txt", "notes/misc.txt"
    ]


def test_snippet_keeps_punctuation_and_marks_cut_text(index: DocumentIndex) -> None:
    text = (
        "Intro words here. " * 10
        + "See https://wiki.example.com/ops/runbook-v2.html or mail ops@example.com (x-ray). "
        + "Outro words there. " * 10
    )
    index.upsert([make_doc("a", text=text)])
    (hit,) = index.search("runbook")
    assert "[runbook]-v2.html" in hit.snippet
    assert hit.snippet.startswith("…") and hit.snippet.endswith("…")
    (hit,) = index.search("ops example")
    assert "[" in hit.snippet and "…" in hit.snippet
    index.upsert([make_doc("short", text="a [bracketed] word & 100% <b>bold</b>")])
    (hit,) = index.search("bracketed")
    assert hit.snippet == "a [[bracketed]] word & 100% <b>bold</b>"


def test_hit_fields_and_snippet_for_document_without_text(index: DocumentIndex) -> None:
    index.upsert(
        [
            make_doc(
                "images/ocelot.png",
                title=None,
                text=None,
                status="metadata_only",
                content_type="image/png",
                tags={"k": "v"},
                size=7,
            )
        ]
    )
    (hit,) = index.search("ocelot")
    assert hit.snippet == "images/[ocelot].png"
    assert hit.tags == {"k": "v"}
    assert hit.content_type == "image/png"
    assert hit.size == 7
    assert hit.source == "docs"
    assert hit.title is None


def test_snippet_of_a_matching_title_when_there_is_no_text(index: DocumentIndex) -> None:
    index.upsert([make_doc("x/scan.png", title="Warehouse floor plan", text="")])
    (hit,) = index.search("floor")
    assert hit.snippet == "Warehouse [floor] plan"


def test_limit(index: DocumentIndex) -> None:
    index.upsert([make_doc(f"k{i}", text="lemur") for i in range(20)])
    assert len(index.search("lemur", limit=5)) == 5
    assert len(index.search("lemur", limit=50)) == 20
    assert index.search("lemur", limit=0) == []


def test_words_are_anded_and_phrases_kept(index: DocumentIndex) -> None:
    index.upsert(
        [
            make_doc("a", text="the quick brown fox"),
            make_doc("b", text="the brown quick fox"),
            make_doc("c", text="the quick cat"),
        ]
    )
    assert sorted(keys(index.search("quick fox"))) == ["a", "b"]
    assert keys(index.search('"quick brown"')) == ["a"]
    assert keys(index.search('"quick brown" fox')) == ["a"]
    assert keys(index.search("cat quick")) == ["c"]


def test_prefix_query(index: DocumentIndex) -> None:
    index.upsert([make_doc("a", text="reconciliation report"), make_doc("b", text="recon")])
    assert sorted(keys(index.search("reconcil*"))) == ["a"]
    assert sorted(keys(index.search("reco*"))) == ["a", "b"]
    assert sorted(keys(index.search('"reconciliation rep"*'))) == ["a"]


def test_diacritics_and_case_are_folded(index: DocumentIndex) -> None:
    if getattr(index, "unaccent", True) is False:  # pragma: no cover - depends on the server
        pytest.skip("the PostgreSQL server has no unaccent extension")
    index.upsert([make_doc("cv", title="Mon Résumé", text="Curriculum of Zoë Ångström")])
    assert keys(index.search("resume")) == ["cv"]
    assert keys(index.search("RÉSUMÉ")) == ["cv"]
    assert keys(index.search("zoe angstrom")) == ["cv"]


def test_stemming(index: DocumentIndex) -> None:
    index.upsert([make_doc("a", text="she was running reports")])
    assert keys(index.search("run report")) == ["a"]


def test_punctuation_in_terms_is_searchable(index: DocumentIndex) -> None:
    index.upsert(
        [
            make_doc("cpp", text="modern C++ templates"),
            make_doc("dash", text="the foo-bar module"),
            make_doc("colon", text="see a:b for details"),
        ]
    )
    assert keys(index.search("C++ templates")) == ["cpp"]
    assert keys(index.search("foo-bar")) == ["dash"]
    assert keys(index.search("a:b")) == ["colon"]


def test_parts_of_keys_urls_and_addresses_are_searchable(index: DocumentIndex) -> None:
    index.upsert(
        [
            make_doc("reports/2024/q1-summary.pdf", text=None),
            make_doc("mail", text="write to jane.doe@example.com today"),
            make_doc("link", text="docs at https://wiki.example.org/team/on_call.html"),
            make_doc("numbers", text="version 3.14.1 costs -5 or +7 at 10:30"),
        ]
    )
    assert keys(index.search("summary")) == ["reports/2024/q1-summary.pdf"]
    assert keys(index.search("q1 2024")) == ["reports/2024/q1-summary.pdf"]
    assert keys(index.search("jane")) == ["mail"]
    assert sorted(keys(index.search("example"))) == ["link", "mail"]
    assert keys(index.search("on_call")) == ["link"]
    assert keys(index.search("call wiki")) == ["link"]
    assert keys(index.search("14")) == ["numbers"]
    assert keys(index.search("5 7")) == ["numbers"]
    assert keys(index.search('"3.14.1"')) == ["numbers"]
