"""Search queries are quoted, never read as FTS5 or tsquery syntax: hostile, huge and empty
queries never raise, operator words are plain words."""

from __future__ import annotations

import pytest

from s3_ingest.core.index import DocumentIndex
from s3_ingest.core.index.base import SearchFilters
from s3_ingest.core.index.sqlite import fts_query
from s3_ingest_tests.core.index.documents import keys, make_doc
from s3_ingest_tests.core.index.psycopg_support import needs_psycopg, postgres_module, ts_query


HOSTILE = [
    "C++",
    '"unbalanced',
    'unbalanced"',
    '"',
    '""',
    "AND",
    "OR",
    "NOT",
    "a AND",
    "NOT a",
    "NEAR(",
    "NEAR(a b)",
    "*",
    "**",
    "a*b*",
    "-x",
    "^x",
    "+",
    "(",
    ")",
    "{a b}: c",
    "title:",
    "text:foo",
    "a:b",
    "foo-bar",
    "'",
    "%_",
    "\\",
    "\x00",
    "x\x00y",
    "",
    "   ",
    "\t\n",
    ";DROP TABLE documents;--",
    "☃ 𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
    "a" * 2000,
    # tsquery syntax (PostgreSQL)
    "a & b",
    "!a",
    "a | b",
    "a <-> b",
    "a <2> b",
    "a:*",
    "a:AB",
    "'a' & 'b'",
    "''",
    "'\\'",
    "(a & (b | !c))",
    "foo:* & !bar",
    "<->",
    "&",
    "|||",
    "a" * 3000,  # longer than a PostgreSQL lexeme may be
    "€ ² ½ ‰",  # alphanumeric to Python, nothing to the text search parser
    "\x01\x02\x7f",
    "%(query)s %s {} $1",
    "x" * 50 + "\ud800",  # a lone surrogate: not encodable as UTF-8
]


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_queries_never_raise(index: DocumentIndex, backend: str, query: str) -> None:
    index.upsert([make_doc("a", text="x foo bar a b c++ near and or not")])
    hits = index.search(query)
    assert isinstance(hits, list)
    hits = index.search(query, SearchFilters(source="docs", key_prefix=query, tags={query: query},
                                             content_type=query, partition=query))
    assert isinstance(hits, list)
    assert index.count() == 1  # and nothing was dropped


def test_huge_queries_never_raise(index: DocumentIndex) -> None:
    """Tens of thousands of terms: more than a tsquery can nest (PostgreSQL) - no error."""
    index.upsert([make_doc("a", text="w1 w2 w3")])
    words = [f"w{i}" for i in range(20_000)]
    assert index.search(" ".join(words)) == []
    assert index.search('"' + " ".join(words) + '"') == []
    assert index.search(" ".join(["w1"] * 3_000)) != []  # (SQLite: 20,000 take seconds)
    assert keys(index.search("w3 w1 w2")) == ["a"]


@pytest.mark.parametrize("query", ["", "   ", "*", '"', '""', "--", "\x00"])
def test_queries_with_nothing_to_search_return_no_hits(index: DocumentIndex, query: str) -> None:
    index.upsert([make_doc("a", text="anything")])
    assert index.search(query) == []


def test_operator_words_are_plain_words(index: DocumentIndex) -> None:
    index.upsert([make_doc("a", text="black and white"), make_doc("b", text="black white")])
    assert keys(index.search("and")) == ["a"]
    # A leading "-" is not a NOT operator: both documents match.
    assert sorted(keys(index.search("-white black"))) == ["a", "b"]
    assert sorted(keys(index.search("!white | black"))) == ["a", "b"]
    assert keys(index.search("the")) == []  # a word like any other, in no document


def test_fts_query_quotes_everything() -> None:
    assert (
        fts_query('C++ "quick brown" fox* NEAR(')
        == '"C++" AND "quick brown" AND "fox"* AND "NEAR("'
    )
    assert fts_query("   ") is None
    assert fts_query('"a ""b"') is not None


@needs_psycopg
def test_ts_query_quotes_every_word() -> None:
    assert (
        ts_query('C++ "quick brown" fox* NEAR( a:b')
        == "'C' & ('quick' <-> 'brown') & 'fox':* & 'NEAR' & ('a' <-> 'b')"
    )
    assert ts_query('"reconciliation rep"*') == "('reconciliation' <-> 'rep':*)"
    assert ts_query("it's & !x | y <-> z") == "('it' <-> 's') & 'x' & 'y' & 'z'"
    assert ts_query("\\' '\\") is None
    for nothing in ("", "   ", "*", '"', '""', "--", "\x00", "&|!"):
        assert ts_query(nothing) is None
    many = ts_query(" ".join(f"w{i}" for i in range(5000)))
    assert many is not None and many.count("'w") == postgres_module.MAX_QUERY_TERMS
    assert ts_query("w1 " * 5000) == "'w1'"
    assert ts_query("x\ud800y") == "('x' <-> 'y')"
