"""ingest_partition's first run of a partition: what it selects, indexes and reports (moto's S3,
a real SqliteIndex)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from s3_ingest.core.index.sqlite import SqliteIndex
from s3_ingest.core.sources.loader import parse_sources
from s3_ingest.core.sync.ingest import IngestReport, ingest_partition
from s3_ingest_tests.core.ingest_bucket import (
    BUCKET,
    ROOT,
    bucket,  # noqa: F401 - a fixture
    found,
    make_source,
    put,
    put_many,
)


def test_first_run_indexes_every_selected_object(s3: Any, bucket: str, index: SqliteIndex) -> None:
    (source,) = parse_sources(f"""
sources:
  - name: docs
    bucket: {BUCKET}
    prefix: hb/
    extensions: [md, TXT]
    tags: {{team: docs, user: nobody}}
    tag_regex: "users/(?P<user>[^/]+)/"
""")
    put(
        s3,
        "hb/guides/intro.md",
        "# Intro\n\nWelcome to the zebra handbook.",
        ContentType="text/markdown",
    )
    put(s3, "hb/guides/users/alice/notes.txt", "alice writes about quokkas")
    put(s3, "hb/guides/deep/er/x.MD", "# Deep\n\nnarwhal")
    put(s3, "hb/guides/skip.pdf", b"%PDF-1.4")
    put(s3, "hb/other/y.md", "other partition")
    put(s3, "hb/root.md", "root object")
    listed = {o["Key"]: o for o in s3.list_objects_v2(Bucket=BUCKET)["Contents"]}

    report = ingest_partition(s3, source, "guides/", index)

    assert isinstance(report, IngestReport)
    assert (report.source, report.bucket, report.partition) == ("docs", BUCKET, "guides/")
    assert report.listed == 4
    assert report.selected == 3
    assert report.skipped == Counter({"extension": 1})
    assert report.indexed == 3 and report.written == 3 and report.metadata_only == 0
    assert report.get_requests == 3 and report.head_requests == 0
    assert report.failed == []
    assert report.deleted == 0
    assert report.bytes_fetched == sum(
        listed[k]["Size"]
        for k in ["hb/guides/intro.md", "hb/guides/users/alice/notes.txt", "hb/guides/deep/er/x.MD"]
    )
    assert sorted(index.manifest("docs")) == [
        "hb/guides/deep/er/x.MD",
        "hb/guides/intro.md",
        "hb/guides/users/alice/notes.txt",
    ]

    intro = index.get("docs", "hb/guides/intro.md")
    assert intro is not None
    assert intro.source == "docs" and intro.bucket == BUCKET
    assert intro.rel_path == "guides/intro.md"
    assert intro.partition == "guides/"
    assert intro.status == "indexed"
    assert intro.reason is None
    assert "zebra handbook" in (intro.text or "")
    assert intro.title == "Intro"
    assert intro.tags == {"team": "docs", "user": "nobody"}
    assert intro.size == listed["hb/guides/intro.md"]["Size"]
    assert intro.etag == listed["hb/guides/intro.md"]["ETag"].strip('"')
    assert intro.last_modified == listed["hb/guides/intro.md"]["LastModified"]
    assert intro.content_type == "text/markdown"
    assert intro.storage_class == "STANDARD"

    notes = index.get("docs", "hb/guides/users/alice/notes.txt")
    assert notes is not None
    assert notes.tags == {"team": "docs", "user": "alice"}  # the regex group wins
    assert notes.rel_path == "guides/users/alice/notes.txt"
    assert notes.partition == "guides/"

    assert found(index, "quokkas") == ["hb/guides/users/alice/notes.txt"]
    assert found(index, "narwhal") == ["hb/guides/deep/er/x.MD"]
    assert found(index, "partition") == []  # hb/other/ was not this partition


def test_root_partition_takes_only_loose_objects(s3: Any, bucket: str, index: SqliteIndex) -> None:
    put_many(
        s3,
        {
            "hb/loose.md": "loose walrus",
            "hb/sub/nested.md": "nested",
            "hb/(root)/r.md": "fake root",
        },
    )
    report = ingest_partition(s3, make_source(prefix="hb/"), ROOT, index)
    assert report.listed == 1 and report.indexed == 1
    doc = index.get("docs", "hb/loose.md")
    assert doc is not None and doc.partition == ROOT and doc.rel_path == "loose.md"

    report = ingest_partition(s3, make_source(prefix="hb/"), "(root)/", index)
    assert report.indexed == 1
    doc = index.get("docs", "hb/(root)/r.md")
    assert doc is not None and doc.partition == "(root)/"
    assert index.count("docs", ROOT) == 1 and index.count("docs", "(root)/") == 1


def test_odd_folder_name_partition_round_trips(s3: Any, bucket: str, index: SqliteIndex) -> None:
    put_many(s3, {"a,b|c.../x y+z%.md": "odd folder wombat", "plain/y.md": "plain"})
    partition = "a%2Cb%7Cc%2E%2E%2E/"
    source = make_source()
    report = ingest_partition(s3, source, partition, index)
    assert report.listed == 1 and report.indexed == 1
    doc = index.get("docs", "a,b|c.../x y+z%.md")
    assert doc is not None and doc.partition == partition
    assert found(index, "wombat") == ["a,b|c.../x y+z%.md"]

    again = ingest_partition(s3, source, partition, index)
    assert again.unchanged == 1 and again.get_requests == 0 and again.deleted == 0


def test_object_without_extension_is_fetched_and_typed_by_content_type(
    s3: Any, bucket: str, index: SqliteIndex
) -> None:
    put(s3, "README", "plain words about capybaras", ContentType="text/plain")
    report = ingest_partition(s3, make_source(), ROOT, index)
    assert report.get_requests == 1 and report.indexed == 1
    assert found(index, "capybaras") == ["README"]


def test_progress_is_reported_at_the_end(s3: Any, bucket: str, index: SqliteIndex) -> None:
    put_many(s3, {"a.md": "alpha"})
    seen: list[tuple[int, int]] = []
    report = ingest_partition(
        s3, make_source(), ROOT, index, progress=lambda r: seen.append((r.listed, r.indexed))
    )
    assert seen and seen[-1] == (1, 1)
    assert report.seconds > 0
