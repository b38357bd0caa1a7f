"""ingest_partition end to end: moto's S3, a real SqliteIndex, and wrappers that inject failures."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from s3_ingest.core.errors import SourceError
from s3_ingest.core.index.sqlite import SqliteIndex
from s3_ingest.core.ingest import DeleteGuardError, IngestOptions, IngestReport, ingest_partition
from s3_ingest.core.partition_keys import ROOT_PARTITION
from s3_ingest.core.sources import Source, parse_sources

BUCKET = "ingest-test-bucket"
ROOT = ROOT_PARTITION


# ------------------------------------------------------------------------------- fixtures


@pytest.fixture
def bucket(s3: Any) -> str:
    s3.create_bucket(Bucket=BUCKET)
    return BUCKET


@pytest.fixture
def index(tmp_path: Path) -> Iterator[SqliteIndex]:
    ix = SqliteIndex(tmp_path / "index.db")
    yield ix
    ix.close()


def make_source(**fields: Any) -> Source:
    return Source(name="docs", bucket=BUCKET, **fields)


def put(client: Any, key: str, body: str | bytes = "", **extra: Any) -> None:
    data = body.encode() if isinstance(body, str) else body
    client.put_object(Bucket=BUCKET, Key=key, Body=data, **extra)


def put_many(client: Any, objects: dict[str, str]) -> None:
    for key, body in objects.items():
        put(client, key, body)


class RequestCounter:
    """Counts the GetObject / HeadObject calls a real botocore client makes (any thread).

    `before-call` fires once per API call, just before the request goes out; the key comes from
    `before-parameter-build`, which sees the call's own parameters.
    """

    def __init__(self, client: Any) -> None:
        self.counts: Counter[str] = Counter()
        self.keys: list[tuple[str, str]] = []
        self._lock = threading.Lock()
        for operation, kind in (("GetObject", "GET"), ("HeadObject", "HEAD")):
            client.meta.events.register(f"before-call.s3.{operation}", self._count(kind))
            client.meta.events.register(f"before-parameter-build.s3.{operation}", self._key(kind))

    def _count(self, kind: str) -> Callable[..., None]:
        def handler(**kwargs: Any) -> None:
            with self._lock:
                self.counts[kind] += 1

        return handler

    def _key(self, kind: str) -> Callable[..., None]:
        def handler(params: dict[str, Any], **kwargs: Any) -> None:
            with self._lock:
                self.keys.append((kind, params["Key"]))

        return handler


class Wrapped:
    """A client that delegates to the moto client, with some operations replaced."""

    def __init__(self, client: Any, **overrides: Callable[..., Any]) -> None:
        self._client = client
        self._overrides = overrides

    def __getattr__(self, name: str) -> Any:
        if name in self._overrides:
            return self._overrides[name]
        return getattr(self._client, name)


def client_error(code: str, status: int, operation: str) -> ClientError:
    return ClientError(
        {
            "Error": {"Code": code, "Message": "injected"},
            "ResponseMetadata": {"HTTPStatusCode": status},
        },
        operation,
    )


def texts(index: SqliteIndex, source: str = "docs") -> dict[str, str | None]:
    keys = index.manifest(source)
    return {key: index.get(source, key).text for key in sorted(keys)}  # type: ignore[union-attr]


def found(index: SqliteIndex, query: str) -> list[str]:
    return sorted(hit.key for hit in index.search(query, limit=50))


# -------------------------------------------------------------------------------- first run


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


# -------------------------------------------------------------------------- incremental runs


def test_unchanged_second_run_costs_no_request_and_no_write(
    s3: Any, bucket: str, index: SqliteIndex
) -> None:
    put_many(s3, {"a.md": "alpha", "b.txt": "bravo", "c.json": '{"x": "charlie"}'})
    put(s3, "pic.png", b"\x89PNG\r\n\x1a\n", ContentType="image/png")
    put(s3, "cold.md", "frozen", StorageClass="GLACIER")
    source = make_source()
    first = ingest_partition(s3, source, ROOT, index)
    assert first.written == 5
    assert (first.get_requests, first.head_requests) == (3, 1)

    counter = RequestCounter(s3)
    second = ingest_partition(s3, source, ROOT, index)

    assert counter.counts == Counter()
    assert second.get_requests == 0 and second.head_requests == 0
    assert second.written == 0
    assert second.unchanged == 5
    assert second.selected == 5
    assert second.deleted == 0
    assert second.fetched == 0
    assert index.count("docs") == 5


def test_modified_object_alone_is_refetched(s3: Any, bucket: str, index: SqliteIndex) -> None:
    put_many(s3, {"a.md": "alpha aardvark", "b.md": "bravo", "c.md": "charlie"})
    source = make_source()
    ingest_partition(s3, source, ROOT, index)
    assert found(index, "aardvark") == ["a.md"]

    put(s3, "a.md", "alpha pangolin")
    counter = RequestCounter(s3)
    report = ingest_partition(s3, source, ROOT, index)

    assert counter.counts == Counter({"GET": 1})
    assert counter.keys == [("GET", "a.md")]
    assert report.get_requests == 1
    assert report.indexed == 1 and report.unchanged == 2
    assert found(index, "pangolin") == ["a.md"]
    assert found(index, "aardvark") == []
    assert index.count("docs") == 3


def test_deleted_object_is_removed(s3: Any, bucket: str, index: SqliteIndex) -> None:
    put_many(s3, {"a.md": "alpha", "b.md": "bravo ocelot", "c.md": "charlie"})
    source = make_source()
    ingest_partition(s3, source, ROOT, index)
    s3.delete_object(Bucket=BUCKET, Key="b.md")

    report = ingest_partition(s3, source, ROOT, index)

    assert report.deleted == 1
    assert index.get("docs", "b.md") is None
    assert sorted(index.manifest("docs")) == ["a.md", "c.md"]
    assert found(index, "ocelot") == []


def test_newly_excluded_objects_are_removed(s3: Any, bucket: str, index: SqliteIndex) -> None:
    put_many(s3, {"g/a.md": "keep", "g/drafts/b.md": "draft one", "g/drafts/x/c.md": "draft two"})
    ingest_partition(s3, make_source(), "g/", index)
    assert index.count("docs") == 3

    report = ingest_partition(s3, make_source(exclude=["**/drafts/**"]), "g/", index)

    assert report.skipped == Counter({"excluded": 2})
    assert report.deleted == 2
    assert sorted(index.manifest("docs")) == ["g/a.md"]
    assert found(index, "draft") == []


def test_full_run_refetches_everything(s3: Any, bucket: str, index: SqliteIndex) -> None:
    put_many(s3, {"a.md": "alpha", "b.md": "bravo", "c.md": "charlie"})
    source = make_source()
    ingest_partition(s3, source, ROOT, index)

    counter = RequestCounter(s3)
    report = ingest_partition(s3, source, ROOT, index, IngestOptions(full=True))

    assert counter.counts == Counter({"GET": 3})
    assert report.get_requests == 3
    assert report.written == 3
    assert report.unchanged == 0


# ------------------------------------------------------------------------------- selection


def test_document_limit_caps_selection(s3: Any, bucket: str, index: SqliteIndex) -> None:
    put_many(s3, {f"{i}.md": f"doc {i}" for i in range(5)})
    report = ingest_partition(s3, make_source(document_limit=3), ROOT, index)
    assert report.selected == 3
    assert report.skipped == Counter({"document_limit": 2})
    assert report.get_requests == 3
    assert index.count("docs") == 3


def test_document_limit_counts_other_partitions(s3: Any, bucket: str, index: SqliteIndex) -> None:
    put_many(s3, {"a/1.md": "x", "a/2.md": "x", "b/1.md": "x", "b/2.md": "x", "b/3.md": "x"})
    source = make_source(document_limit=3)
    ingest_partition(s3, source, "a/", index)
    report = ingest_partition(s3, source, "b/", index)
    assert report.selected == 1
    assert report.skipped["document_limit"] == 2
    assert index.count("docs") == 3


def test_object_over_max_file_size_is_skipped_unfetched(
    s3: Any, bucket: str, index: SqliteIndex
) -> None:
    put_many(s3, {"small.md": "tiny", "big.md": "x" * 100})
    counter = RequestCounter(s3)
    report = ingest_partition(s3, make_source(max_file_size=50), ROOT, index)
    assert report.skipped == Counter({"too_large": 1})
    assert counter.keys == [("GET", "small.md")]
    assert index.get("docs", "big.md") is None


def test_object_that_grew_past_max_file_size_is_dropped(
    s3: Any, bucket: str, index: SqliteIndex
) -> None:
    source = make_source(max_file_size=50)
    put_many(s3, {"a.md": "alpha", "b.md": "small"})
    ingest_partition(s3, source, ROOT, index)
    put(s3, "b.md", "y" * 500)

    report = ingest_partition(s3, source, ROOT, index)

    assert report.skipped["too_large"] == 1
    assert report.get_requests == 0
    assert index.get("docs", "b.md") is None
    assert index.get("docs", "a.md") is not None


def test_object_growing_between_list_and_get_is_too_large(
    s3: Any, bucket: str, index: SqliteIndex
) -> None:
    source = make_source(max_file_size=50)
    put_many(s3, {"a.md": "alpha", "b.md": "small"})
    ingest_partition(s3, source, ROOT, index)
    put(s3, "b.md", "changed")

    def grow_then_get(**kwargs: Any) -> Any:
        put(s3, kwargs["Key"], "z" * 500)
        return s3.get_object(**kwargs)

    report = ingest_partition(Wrapped(s3, get_object=grow_then_get), source, ROOT, index)

    assert report.skipped["too_large"] == 1
    assert report.failed == []
    assert index.get("docs", "b.md") is None
    assert index.get("docs", "a.md") is not None


def test_unsupported_type_is_metadata_only_via_head(
    s3: Any, bucket: str, index: SqliteIndex
) -> None:
    put(
        s3,
        "img/photo.png",
        b"\x89PNG\r\n\x1a\n" + b"\0" * 100,
        ContentType="image/png",
        Metadata={"camera": "x100"},
    )
    counter = RequestCounter(s3)
    report = ingest_partition(s3, make_source(), "img/", index)

    assert counter.counts == Counter({"HEAD": 1})
    assert counter.keys == [("HEAD", "img/photo.png")]
    assert report.head_requests == 1 and report.get_requests == 0
    assert report.metadata_only == 1 and report.indexed == 0
    assert report.bytes_fetched == 0
    doc = index.get("docs", "img/photo.png")
    assert doc is not None
    assert doc.status == "metadata_only"
    assert doc.reason is not None and doc.reason.startswith("unsupported type")
    assert ".png" in doc.reason
    assert doc.text is None
    assert doc.title == "photo.png"
    assert doc.content_type == "image/png"
    assert doc.metadata == {"camera": "x100"}
    assert doc.size == 108


def test_archived_object_is_metadata_only_without_get(
    s3: Any, bucket: str, index: SqliteIndex
) -> None:
    put(s3, "cold.md", "frozen penguin", StorageClass="GLACIER")
    put(s3, "deep.md", "deeper", StorageClass="DEEP_ARCHIVE")
    counter = RequestCounter(s3)
    report = ingest_partition(s3, make_source(), ROOT, index)

    assert counter.counts == Counter()
    assert report.get_requests == 0 and report.head_requests == 0
    assert report.skipped == Counter({"archived": 2})
    assert report.metadata_only == 2
    doc = index.get("docs", "cold.md")
    assert doc is not None
    assert doc.status == "metadata_only"
    assert doc.storage_class == "GLACIER"
    assert doc.reason is not None and "archived" in doc.reason and "GLACIER" in doc.reason
    assert doc.text is None
    assert found(index, "penguin") == []


# ---------------------------------------------------------------------------- failure safety


def _failing_listing(s3: Any, fail_on_call: int, error: Exception) -> Callable[..., Any]:
    calls = {"n": 0}

    def list_objects_v2(**kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == fail_on_call:
            raise error
        return s3.list_objects_v2(**kwargs)

    return list_objects_v2


@pytest.mark.parametrize(
    "error",
    [
        client_error("SlowDown", 503, "ListObjectsV2"),
        EndpointConnectionError(endpoint_url="https://s3.amazonaws.com"),
    ],
    ids=["client-error", "connection-error"],
)
def test_listing_failing_midway_deletes_nothing_and_keeps_fetched(
    s3: Any, bucket: str, index: SqliteIndex, error: Exception
) -> None:
    objects = {f"{c}.md": f"{c} original" for c in "abcdef"}
    put_many(s3, objects)
    source = make_source()
    options = IngestOptions(page_size=2)
    ingest_partition(s3, source, ROOT, index, options)
    assert index.count("docs") == 6

    put(s3, "a.md", "a rewritten armadillo")  # on page 1: fetched before the failure
    for key in ["c.md", "e.md", "f.md"]:  # on later pages: would be deletions
        s3.delete_object(Bucket=BUCKET, Key=key)

    client = Wrapped(s3, list_objects_v2=_failing_listing(s3, 2, error))
    with pytest.raises(SourceError) as info:
        ingest_partition(client, source, ROOT, index, options)

    assert "'docs'" in str(info.value) and BUCKET in str(info.value)
    assert index.count("docs") == 6
    assert sorted(index.manifest("docs")) == sorted(objects)
    assert found(index, "armadillo") == ["a.md"]


def test_listing_failing_on_first_page_is_a_source_error(
    s3: Any, bucket: str, index: SqliteIndex
) -> None:
    put_many(s3, {"a.md": "x"})
    ingest_partition(s3, make_source(), ROOT, index)
    denied = client_error("AccessDenied", 403, "ListObjectsV2")
    client = Wrapped(s3, list_objects_v2=_failing_listing(s3, 1, denied))
    with pytest.raises(SourceError) as info:
        ingest_partition(client, make_source(), ROOT, index)
    assert info.value.status == 403
    assert "s3:ListBucket" in str(info.value)
    assert index.count("docs") == 1


def test_missing_bucket_is_a_source_error(s3: Any, index: SqliteIndex) -> None:
    with pytest.raises(SourceError) as info:
        ingest_partition(s3, make_source(), ROOT, index)
    assert info.value.status == 404
    assert BUCKET in str(info.value) and "'docs'" in str(info.value)


def test_delete_guard_holds_mass_deletion_until_forced(
    s3: Any, bucket: str, index: SqliteIndex
) -> None:
    keys = [f"{i:02d}.md" for i in range(12)]
    put_many(s3, {k: f"doc {k}" for k in keys})
    source = make_source()
    ingest_partition(s3, source, ROOT, index)
    for key in keys[:10]:
        s3.delete_object(Bucket=BUCKET, Key=key)

    with pytest.raises(DeleteGuardError) as info:
        ingest_partition(s3, source, ROOT, index)
    assert "10 of 12" in str(info.value)
    assert "force_delete" in str(info.value)
    assert index.count("docs") == 12

    report = ingest_partition(s3, source, ROOT, index, IngestOptions(force_delete=True))
    assert report.deleted == 10
    assert sorted(index.manifest("docs")) == keys[10:]


def test_delete_guard_lets_small_deletions_through(
    s3: Any, bucket: str, index: SqliteIndex
) -> None:
    keys = [f"{i:02d}.md" for i in range(12)]
    put_many(s3, {k: "x" for k in keys})
    source = make_source()
    ingest_partition(s3, source, ROOT, index)
    for key in keys[:9]:  # fewer than delete_guard_min
        s3.delete_object(Bucket=BUCKET, Key=key)
    report = ingest_partition(s3, source, ROOT, index)
    assert report.deleted == 9
    assert index.count("docs") == 3


def test_per_object_access_denied_keeps_previous_version(
    s3: Any, bucket: str, index: SqliteIndex
) -> None:
    put_many(s3, {"a.md": "alpha", "b.md": "bravo beaver", "c.md": "charlie"})
    source = make_source()
    ingest_partition(s3, source, ROOT, index)
    put(s3, "b.md", "bravo badger")
    put(s3, "c.md", "charlie cheetah")
    put(s3, "d.md", "delta dingo")
    denied = {"b.md", "d.md"}

    def get_object(**kwargs: Any) -> Any:
        if kwargs["Key"] in denied:
            raise ClientError(
                {"Error": {"Code": "AccessDenied"}, "ResponseMetadata": {"HTTPStatusCode": 403}},
                "GetObject",
            )
        return s3.get_object(**kwargs)

    report = ingest_partition(Wrapped(s3, get_object=get_object), source, ROOT, index)

    assert sorted(key for key, _ in report.failed) == ["b.md", "d.md"]
    assert all("access denied" in reason for _, reason in report.failed)
    assert report.indexed == 1
    assert report.deleted == 0
    assert found(index, "cheetah") == ["c.md"]
    assert found(index, "beaver") == ["b.md"]  # the previous version stays
    assert found(index, "badger") == []
    assert index.get("docs", "d.md") is None
    assert sorted((f.key, f.partition) for f in index.failures("docs")) == [
        ("b.md", ROOT),
        ("d.md", ROOT),
    ]

    # The failed object still differs from the index, so the next run tries it again.
    counter = RequestCounter(s3)
    report = ingest_partition(s3, source, ROOT, index)
    assert sorted(key for _, key in counter.keys) == ["b.md", "d.md"]
    assert report.failed == []
    assert found(index, "badger") == ["b.md"]
    assert found(index, "dingo") == ["d.md"]
    assert index.failures("docs") == []


def test_object_deleted_between_list_and_get_is_a_deletion(
    s3: Any, bucket: str, index: SqliteIndex
) -> None:
    put_many(s3, {"a.md": "alpha", "b.md": "bravo bison"})
    source = make_source()
    ingest_partition(s3, source, ROOT, index)
    put(s3, "b.md", "bravo changed")

    def delete_then_get(**kwargs: Any) -> Any:
        s3.delete_object(Bucket=kwargs["Bucket"], Key=kwargs["Key"])
        return s3.get_object(**kwargs)

    report = ingest_partition(Wrapped(s3, get_object=delete_then_get), source, ROOT, index)

    assert report.failed == []
    assert report.deleted == 1
    assert index.get("docs", "b.md") is None
    assert index.get("docs", "a.md") is not None
    assert found(index, "bison") == []


def test_objects_vanishing_on_a_first_run_do_not_trip_the_delete_guard(
    s3: Any, bucket: str, index: SqliteIndex
) -> None:
    # Nothing is indexed yet, so nothing can be deleted: the guard has nothing to protect.
    put_many(s3, {f"{i:02d}.md": "x" for i in range(10)})

    def delete_then_get(**kwargs: Any) -> Any:
        s3.delete_object(Bucket=kwargs["Bucket"], Key=kwargs["Key"])
        return s3.get_object(**kwargs)

    report = ingest_partition(Wrapped(s3, get_object=delete_then_get), make_source(), ROOT, index)

    assert report.failed == []
    assert report.written == 0
    assert report.deleted == 0
    assert index.count("docs") == 0


def test_progress_is_reported_at_the_end(s3: Any, bucket: str, index: SqliteIndex) -> None:
    put_many(s3, {"a.md": "alpha"})
    seen: list[tuple[int, int]] = []
    report = ingest_partition(
        s3, make_source(), ROOT, index, progress=lambda r: seen.append((r.listed, r.indexed))
    )
    assert seen and seen[-1] == (1, 1)
    assert report.seconds > 0
