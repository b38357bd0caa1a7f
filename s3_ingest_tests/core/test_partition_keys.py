"""Partition keys: one per top-level folder, `(root)` for loose objects; any name round-trips."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from s3_ingest.core.s3.partition_keys import (
    ROOT_PARTITION,
    decode_partition,
    encode_partition,
    partition_of,
)

# What Dagster refuses (or reads specially) in a partition key.
_FORBIDDEN = re.compile(r"\.\.\.|[\x00-\x1f\x7f,\[\]|]")


@pytest.mark.parametrize(
    ("rel_path", "expected"),
    [
        ("a.md", ROOT_PARTITION),
        ("README", ROOT_PARTITION),
        ("reports/q1.pdf", "reports/"),
        ("reports/2024/q1.pdf", "reports/"),
        ("reports/", "reports/"),  # the folder marker belongs to its folder
        ("a b/c.md", "a b/"),
        ("(root)/x.md", "(root)/"),
        ("a,b/x.md", "a%2Cb/"),
        ("q[1]|x/y", "q%5B1%5D%7Cx/"),
        ("100%/x", "100%25/"),
        ("wait.../x", "wait%2E%2E%2E/"),
        ("tab\there/x", "tab%09here/"),
    ],
)
def test_partition_of(rel_path: str, expected: str) -> None:
    assert partition_of(rel_path) == expected


def test_plain_names_are_unchanged() -> None:
    for folder in ["reports/", "Ünïcödé 文件/", "a.b-c_d (1)/", "x+y=z/", "..", "a..b/"]:
        assert encode_partition(folder) == folder
        assert decode_partition(folder) == folder


def test_root_and_folder_named_root_are_distinct() -> None:
    assert partition_of("(root)/x.md") != partition_of("x.md")
    assert decode_partition(ROOT_PARTITION) == ""
    assert decode_partition(partition_of("(root)/x.md")) == "(root)/"


def test_percent_sign_is_encoded_so_decoding_is_exact() -> None:
    # A folder literally named "%2C" must not decode to ",".
    encoded = encode_partition("%2C/")
    assert encoded == "%252C/"
    assert decode_partition(encoded) == "%2C/"


_FOLDER_NAMES = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="/"),
    min_size=1,
    max_size=40,
)


@settings(max_examples=500, deadline=None)
@given(_FOLDER_NAMES)
def test_round_trip(name: str) -> None:
    folder = name + "/"
    key = encode_partition(folder)
    assert decode_partition(key) == folder
    assert key != ROOT_PARTITION
    assert not _FORBIDDEN.search(key), key


@settings(max_examples=300, deadline=None)
@given(_FOLDER_NAMES, st.text(max_size=20))
def test_partition_of_nested_key_round_trips_to_its_folder(folder: str, rest: str) -> None:
    key = partition_of(f"{folder}/{rest}")
    assert decode_partition(key) == folder + "/"
    assert not _FORBIDDEN.search(key)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="/")))
def test_loose_objects_are_root(name: str) -> None:
    assert partition_of(name) == ROOT_PARTITION
