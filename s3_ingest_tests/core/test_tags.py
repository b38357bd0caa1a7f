"""Tags: a source's static tags plus the named groups of its tag_regex."""

from __future__ import annotations

import pytest


from hypothesis import given, settings
from hypothesis import strategies as st

from s3_ingest.core.sync.ingest import Tagger


def test_static_tags_only() -> None:
    tagger = Tagger.build({"team": "docs"}, None)
    assert tagger.tags_for("anything/at/all.md") == {"team": "docs"}


def test_static_tags_are_copied() -> None:
    static = {"team": "docs"}
    tagger = Tagger.build(static, None)
    static["team"] = "changed"
    tags = tagger.tags_for("a.md")
    tags["extra"] = "x"
    assert tagger.tags_for("a.md") == {"team": "docs"}


def test_static_plus_regex_groups() -> None:
    tagger = Tagger.build({"team": "docs"}, r"users/(?P<user>[^/]+)/(?P<year>\d{4})/")
    assert tagger.tags_for("users/alice/2024/report.md") == {
        "team": "docs",
        "user": "alice",
        "year": "2024",
    }


def test_regex_is_searched_in_the_full_key() -> None:
    # Not anchored at the start: the key may carry the source prefix first.
    tagger = Tagger.build({}, r"users/(?P<user>[^/]+)/")
    assert tagger.tags_for("handbook/users/bob/notes.md") == {"user": "bob"}
    # An explicit anchor still anchors at the start of the full key.
    anchored = Tagger.build({}, r"^users/(?P<user>[^/]+)/")
    assert anchored.tags_for("handbook/users/bob/notes.md") == {}
    assert anchored.tags_for("users/bob/notes.md") == {"user": "bob"}


def test_no_match_adds_no_tags() -> None:
    tagger = Tagger.build({"team": "docs"}, r"users/(?P<user>[^/]+)/")
    assert tagger.tags_for("shared/a.md") == {"team": "docs"}


def test_optional_group_that_did_not_match_adds_no_tag() -> None:
    tagger = Tagger.build({}, r"(?P<area>[^/]+)/(?:drafts/(?P<draft>[^/]+)/)?")
    assert tagger.tags_for("eng/readme.md") == {"area": "eng"}
    assert tagger.tags_for("eng/drafts/v2/readme.md") == {"area": "eng", "draft": "v2"}


def test_empty_group_match_is_a_tag() -> None:
    tagger = Tagger.build({}, r"x(?P<mid>[^/]*)y")
    assert tagger.tags_for("xy.md") == {"mid": ""}


def test_regex_group_overrides_static_tag_of_same_name() -> None:
    tagger = Tagger.build({"user": "nobody", "team": "docs"}, r"users/(?P<user>[^/]+)/")
    assert tagger.tags_for("users/carol/a.md") == {"user": "carol", "team": "docs"}
    assert tagger.tags_for("shared/a.md") == {"user": "nobody", "team": "docs"}


def test_build_compiles_the_pattern() -> None:
    tagger = Tagger.build({}, r"(?P<x>a)")
    assert tagger.pattern.search("xa").groupdict() == {"x": "a"}
    assert Tagger.build({}, None).pattern is None
    assert Tagger.build({}, "").pattern is None


def test_catastrophic_pattern_on_a_hostile_key_runs_in_linear_time() -> None:
    # (a+)+$ backtracks exponentially in Python's re on "aaaa...b"; RE2 does not backtrack.
    tagger = Tagger.build({}, r"(?P<run>(a+)+)$")
    hostile = "a" * 1023 + "b"
    assert tagger.tags_for(hostile) == {}
    assert tagger.tags_for("a" * 1024) == {"run": "a" * 1024}


def test_lookarounds_are_refused_when_the_file_loads() -> None:
    from s3_ingest.core.sources.model import SourcesFileError
    from s3_ingest.core.sources.loader import parse_sources

    with pytest.raises(SourcesFileError, match="tag_regex.*linear time"):
        parse_sources("sources:\n - name: a\n   bucket: b\n   tag_regex: '(?P<u>x)(?=y)'\n")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_tags_for_never_raises(key: str) -> None:
    tagger = Tagger.build({"team": "docs"}, r"(?:^|/)users/(?P<user>[^/]+)/(?:(?P<year>\d{4})/)?")
    tags = tagger.tags_for(key)
    assert tags["team"] == "docs"
    assert set(tags) <= {"team", "user", "year"}
    assert all(isinstance(v, str) for v in tags.values())
    if "user" in tags:
        assert f"users/{tags['user']}/" in key
