"""Globs and the reasons an object is skipped."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from s3_ingest.core.documents import ListedObject
from s3_ingest.core.plan.selection import (
    SKIP_EXCLUDED,
    SKIP_EXTENSION,
    SKIP_FOLDER_MARKER,
    SKIP_NOT_INCLUDED,
    SKIP_TOO_LARGE,
    Selector,
    glob_matches,
)

T0 = datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc)


def obj(rel_path: str, size: int = 10, prefix: str = "") -> ListedObject:
    return ListedObject(
        key=prefix + rel_path, rel_path=rel_path, size=size, etag="e", last_modified=T0
    )


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        # `*` stays within one segment
        ("docs/*.md", "docs/a.md", True),
        ("docs/*.md", "docs/sub/a.md", False),
        ("docs/*", "docs/sub/a.md", False),
        ("*/a.md", "x/a.md", True),
        ("*/a.md", "x/y/a.md", True),  # `*/a.md` floats: it matches y/a.md under x/
        ("/*/a.md", "x/y/a.md", False),
        # `**` spans segments
        ("docs/**", "docs/a.md", True),
        ("docs/**", "docs/sub/deeper/a.md", True),
        ("docs/**", "other/a.md", False),
        ("docs/**/*.md", "docs/a.md", True),
        ("docs/**/*.md", "docs/x/y/a.md", True),
        ("docs/**/*.md", "docs/x/y/a.txt", False),
        ("**/*.md", "a.md", True),
        ("**/*.md", "x/y/a.md", True),
        ("**/drafts/**", "drafts/a.md", True),
        ("**/drafts/**", "x/drafts/y/a.md", True),
        ("**/drafts/**", "x/mydrafts/a.md", False),
        # `?` is one character, not a slash
        ("docs/?.md", "docs/a.md", True),
        ("docs/?.md", "docs/ab.md", False),
        ("a?b/c", "a/b/c", False),
        # a pattern without a slash matches the file name at any depth
        ("*.md", "a.md", True),
        ("*.md", "a/b/c.md", True),
        ("*.md", "a/b/c.txt", False),
        ("README", "x/y/README", True),
        ("README", "x/README/y", False),
        # character classes
        ("[!x]*.md", "a.md", True),
        ("[!x]*.md", "x.md", False),
        ("[ab].md", "b.md", True),
        ("[ab].md", "c.md", False),
        ("data/[0-9][0-9].csv", "data/42.csv", True),
        ("data/[0-9][0-9].csv", "data/4x.csv", False),
        # everything else is literal, regex syntax included
        ("a+b (1).md", "a+b (1).md", True),
        ("a+b (1).md", "aab (1).md", False),
        ("x.md", "xamd", False),
        ("$^.md", "$^.md", True),
        # a leading slash anchors to the source prefix
        ("/docs/*.md", "docs/a.md", True),
        ("/docs/*.md", "x/docs/a.md", False),
        # a pattern without a leading slash matches at any depth, whole segments only
        ("docs/a.md", "x/docs/a.md", True),
        ("docs/a.md", "x/mydocs/a.md", False),
        ("drafts/**", "hr/drafts/reorg.md", True),
        ("drafts/**", "hr/drafts-old/reorg.md", False),
        ("docs/a", "docs/a.md", False),
    ],
)
def test_glob_matches(pattern: str, path: str, expected: bool) -> None:
    assert glob_matches(pattern, path) is expected


def test_pattern_with_trailing_slash_matches_folder_contents() -> None:
    # As in .gitignore (which the selection follows): `drafts/` names a folder at any depth.
    assert glob_matches("drafts/", "drafts/a.md")
    assert glob_matches("drafts/", "x/drafts/b.md")
    assert not glob_matches("drafts/", "mydrafts/a.md")


# -------------------------------------------------------------------------------- reasons


def test_selected_object_has_no_reason() -> None:
    selector = Selector(extensions=(".md",), include=("docs/**",), exclude=("**/drafts/**",))
    assert selector.skip_reason(obj("docs/a.md")) is None


def test_no_rules_select_everything_but_folder_markers() -> None:
    selector = Selector()
    assert selector.skip_reason(obj("anything.bin", size=10**12)) is None
    assert selector.skip_reason(obj("folder/")) == SKIP_FOLDER_MARKER


def test_folder_marker() -> None:
    assert Selector().skip_reason(obj("docs/", size=0, prefix="p/")) == SKIP_FOLDER_MARKER


def test_extension_is_case_insensitive() -> None:
    selector = Selector(extensions=(".md", ".txt"))
    assert selector.skip_reason(obj("A.MD")) is None
    assert selector.skip_reason(obj("dir/Notes.Txt")) is None
    assert selector.skip_reason(obj("a.pdf")) == SKIP_EXTENSION
    assert selector.skip_reason(obj("md")) == SKIP_EXTENSION
    assert selector.skip_reason(obj("a.md.bak")) == SKIP_EXTENSION


def test_include() -> None:
    selector = Selector(include=("docs/**", "*.txt"))
    assert selector.skip_reason(obj("docs/x/a.md")) is None
    assert selector.skip_reason(obj("other/a.txt")) is None
    assert selector.skip_reason(obj("other/a.md")) == SKIP_NOT_INCLUDED


def test_exclude() -> None:
    # The README's own example: `drafts/**` excludes a drafts folder at any depth.
    selector = Selector(exclude=("drafts/**", "*.tmp"))
    assert selector.skip_reason(obj("drafts/a.md")) == SKIP_EXCLUDED
    assert selector.skip_reason(obj("hr/drafts/reorg.md")) == SKIP_EXCLUDED
    assert Selector(exclude=("/drafts/**",)).skip_reason(obj("hr/drafts/reorg.md")) is None
    assert selector.skip_reason(obj("x/y/z.tmp")) == SKIP_EXCLUDED
    assert selector.skip_reason(obj("final/a.md")) is None


def test_globs_apply_to_rel_path_not_full_key() -> None:
    selector = Selector(include=("docs/*.md",))
    assert selector.skip_reason(obj("docs/a.md", prefix="handbook/")) is None
    assert (
        Selector(include=("handbook/**",)).skip_reason(obj("docs/a.md", prefix="handbook/"))
        == SKIP_NOT_INCLUDED
    )


def test_too_large() -> None:
    selector = Selector(max_file_size=100)
    assert selector.skip_reason(obj("a.md", size=100)) is None
    assert selector.skip_reason(obj("a.md", size=101)) == SKIP_TOO_LARGE


def test_order_of_reasons() -> None:
    selector = Selector(
        extensions=(".md",), include=("docs/**",), exclude=("docs/drafts/**",), max_file_size=5
    )
    # Every rule fails for this one: the folder marker wins.
    assert selector.skip_reason(obj("other/drafts/", size=50)) == SKIP_FOLDER_MARKER
    # extension before include
    assert selector.skip_reason(obj("other/a.pdf", size=50)) == SKIP_EXTENSION
    # include before exclude
    assert (
        Selector(include=("docs/**",), exclude=("**/*.md",)).skip_reason(obj("other/a.md"))
        == SKIP_NOT_INCLUDED
    )
    # exclude before size
    assert selector.skip_reason(obj("docs/drafts/a.md", size=50)) == SKIP_EXCLUDED
    # size last
    assert selector.skip_reason(obj("docs/a.md", size=50)) == SKIP_TOO_LARGE
    assert selector.skip_reason(obj("docs/a.md", size=5)) is None


# ----------------------------------------------------------------------------- properties

_SEGMENT = st.text(
    alphabet=st.characters(whitelist_categories=("Ll", "Lu", "Nd"), whitelist_characters="-_. "),
    min_size=1,
    max_size=12,
).filter(lambda s: s not in (".", ".."))
_PATHS = st.lists(_SEGMENT, min_size=1, max_size=5).map("/".join)


@settings(max_examples=200, deadline=None)
@given(_PATHS)
def test_double_star_matches_every_path(path: str) -> None:
    assert glob_matches("**", path)
    assert glob_matches("**/*", path)


@settings(max_examples=200, deadline=None)
@given(_PATHS, _PATHS)
def test_literal_pattern_matches_only_itself(pattern: str, path: str) -> None:
    assert glob_matches(pattern, pattern)
    if "/" in pattern:  # matches at any depth, on whole segments
        assert glob_matches(pattern, path) is (path == pattern or path.endswith("/" + pattern))
        assert glob_matches("/" + pattern, path) is (path == pattern)
    else:  # a bare name matches the file name at any depth
        assert glob_matches(pattern, path) is (path.rsplit("/", 1)[-1] == pattern)
