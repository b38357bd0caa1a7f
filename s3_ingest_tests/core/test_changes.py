"""Change detection between a listed object and the index's manifest entry."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from s3_ingest.core.documents import ListedObject
from s3_ingest.core.index.base import ManifestEntry
from s3_ingest.core.plan.change_scan import is_changed

T0 = datetime(2024, 3, 1, 12, 0, 0, tzinfo=timezone.utc)
OBJ = ListedObject(key="a.md", rel_path="a.md", size=10, etag="abc", last_modified=T0)
ENTRY = ManifestEntry(key="a.md", etag="abc", size=10, last_modified=T0)


def test_new_object_is_changed() -> None:
    assert is_changed(OBJ, None) is True


def test_same_object_is_unchanged() -> None:
    assert is_changed(OBJ, ENTRY) is False


def test_same_instant_in_another_timezone_is_unchanged() -> None:
    other_tz = T0.astimezone(timezone(timedelta(hours=2)))
    assert is_changed(replace(OBJ, last_modified=other_tz), ENTRY) is False


@pytest.mark.parametrize(
    "changed",
    [
        {"etag": "abd"},
        {"size": 11},
        {"last_modified": T0 + timedelta(seconds=1)},
        {"last_modified": T0 - timedelta(microseconds=1)},
    ],
)
def test_each_difference_counts(changed: dict[str, object]) -> None:
    assert is_changed(replace(OBJ, **changed), ENTRY) is True  # type: ignore[arg-type]


def test_version_difference_counts() -> None:
    assert is_changed(replace(OBJ, version_id="v2"), replace(ENTRY, version_id="v1")) is True
    assert is_changed(replace(OBJ, version_id="v1"), replace(ENTRY, version_id="v1")) is False


def test_unknown_version_on_either_side_is_not_a_change() -> None:
    assert is_changed(replace(OBJ, version_id="v1"), ENTRY) is False
    assert is_changed(OBJ, replace(ENTRY, version_id="v1")) is False
