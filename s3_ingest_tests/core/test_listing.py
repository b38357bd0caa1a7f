"""The ListObjectsV2 walker, against moto's S3."""

from __future__ import annotations

from typing import Any

import pytest

from s3_ingest.core.s3.listing import iter_objects, iter_pages, iter_partition, list_partitions
from s3_ingest.core.s3.partition_keys import ROOT_PARTITION, encode_partition

BUCKET = "listing-test-bucket"


def put(client: Any, *keys: str, body: bytes = b"x") -> None:
    for key in keys:
        client.put_object(Bucket=BUCKET, Key=key, Body=body)


@pytest.fixture
def bucket(s3: Any) -> str:
    s3.create_bucket(Bucket=BUCKET)
    return BUCKET


class CountingClient:
    """Counts list_objects_v2 calls and records their arguments."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.calls: list[dict[str, Any]] = []

    def list_objects_v2(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(dict(kwargs))
        return self._client.list_objects_v2(**kwargs)


def test_iter_objects_follows_every_page(s3: Any, bucket: str) -> None:
    keys = [f"docs/{i:02d}.md" for i in range(7)]
    put(s3, *reversed(keys))
    put(s3, "other/outside.md")
    client = CountingClient(s3)

    listed = list(iter_objects(client, bucket, "docs/", page_size=2))

    assert [o.key for o in listed] == keys
    assert [o.rel_path for o in listed] == [k.removeprefix("docs/") for k in keys]
    assert len(client.calls) == 4  # 2 + 2 + 2 + 1
    assert all(call["MaxKeys"] == 2 for call in client.calls)
    assert "ContinuationToken" not in client.calls[0]
    assert all("ContinuationToken" in call for call in client.calls[1:])


def test_listed_object_fields(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="a/b.txt", Body=b"hello")
    head = s3.head_object(Bucket=bucket, Key="a/b.txt")
    (listed,) = iter_objects(s3, bucket, "a/")
    assert listed.key == "a/b.txt"
    assert listed.rel_path == "b.txt"
    assert listed.size == 5
    assert listed.etag == head["ETag"].strip('"')
    assert not listed.etag.startswith('"')
    assert listed.last_modified == head["LastModified"]
    assert listed.storage_class == "STANDARD"


def test_iter_objects_strip_and_start_after(s3: Any, bucket: str) -> None:
    put(s3, "p/a/1", "p/a/2", "p/a/3")
    listed = list(iter_objects(s3, bucket, "p/a/", strip="p/", start_after="p/a/1", page_size=1))
    assert [(o.key, o.rel_path) for o in listed] == [("p/a/2", "a/2"), ("p/a/3", "a/3")]


def test_iter_pages_of_empty_listing(s3: Any, bucket: str) -> None:
    pages = list(iter_pages(s3, bucket, "nothing/"))
    assert len(pages) == 1
    assert list(iter_objects(s3, bucket, "nothing/")) == []


def test_iter_partition_folder(s3: Any, bucket: str) -> None:
    put(s3, "hb/loose.md", "hb/guides/a.md", "hb/guides/deep/b.md", "hb/guidesx/c.md", "x/guides/d")
    listed = list(iter_partition(s3, bucket, "hb/", "guides/", page_size=1))
    assert [o.key for o in listed] == ["hb/guides/a.md", "hb/guides/deep/b.md"]
    # rel_path stays relative to the source prefix, not the folder
    assert [o.rel_path for o in listed] == ["guides/a.md", "guides/deep/b.md"]


def test_iter_partition_root_holds_only_loose_objects(s3: Any, bucket: str) -> None:
    put(s3, "hb/a.md", "hb/b.md", "hb/c.md", "hb/guides/x.md", "hb/z/y/w.md", "other.md")
    listed = list(iter_partition(s3, bucket, "hb/", ROOT_PARTITION, page_size=2))
    assert [o.key for o in listed] == ["hb/a.md", "hb/b.md", "hb/c.md"]
    assert [o.rel_path for o in listed] == ["a.md", "b.md", "c.md"]


def test_iter_partition_of_folder_named_root(s3: Any, bucket: str) -> None:
    put(s3, "loose.md", "(root)/inside.md")
    root = [o.key for o in iter_partition(s3, bucket, "", ROOT_PARTITION)]
    folder = [o.key for o in iter_partition(s3, bucket, "", encode_partition("(root)/"))]
    assert root == ["loose.md"]
    assert folder == ["(root)/inside.md"]


def test_list_partitions_with_loose_objects(s3: Any, bucket: str) -> None:
    put(s3, "hb/a.md", "hb/guides/x.md", "hb/guides/y/z.md", "hb/ref/r.md", "elsewhere/q.md")
    assert list_partitions(s3, bucket, "hb/") == [ROOT_PARTITION, "guides/", "ref/"]


def test_list_partitions_without_loose_objects(s3: Any, bucket: str) -> None:
    put(s3, "guides/x.md", "ref/r.md")
    assert list_partitions(s3, bucket) == ["guides/", "ref/"]


def test_list_partitions_of_empty_source(s3: Any, bucket: str) -> None:
    assert list_partitions(s3, bucket, "nothing/") == []


def test_list_partitions_encodes_odd_folder_names(s3: Any, bucket: str) -> None:
    put(s3, "a,b/x", "q|r/y", "wait.../z")
    partitions = list_partitions(s3, bucket)
    assert sorted(partitions) == sorted(["a%2Cb/", "q%7Cr/", "wait%2E%2E%2E/"])
    for partition in partitions:
        assert len(list(iter_partition(s3, bucket, "", partition))) == 1


ODD_KEYS = [
    "odd/café résumé.md",
    "odd/文件/報告.txt",
    "odd/with space.md",
    "odd/plus+sign.md",
    "odd/100%.md",
    "odd/%2F-not-a-slash.md",
    "odd/question?.md",
    "odd/hash#tag.md",
    "odd/amp&eq=.md",
    "odd/tilde~ and 'quote'.md",
]


def test_odd_keys_survive_listing_exactly(s3: Any, bucket: str) -> None:
    put(s3, *ODD_KEYS)
    listed = list(iter_objects(s3, bucket, "odd/", page_size=3))
    assert sorted(o.key for o in listed) == sorted(ODD_KEYS)
    assert sorted(o.rel_path for o in listed) == sorted(k.removeprefix("odd/") for k in ODD_KEYS)
    # and each listed key reaches its object again
    for o in listed:
        assert s3.get_object(Bucket=bucket, Key=o.key)["Body"].read() == b"x"


def test_odd_keys_survive_partition_listing(s3: Any, bucket: str) -> None:
    put(s3, *ODD_KEYS)
    (partition,) = list_partitions(s3, bucket)
    assert partition == "odd/"
    keys = [o.key for o in iter_partition(s3, bucket, "", partition, page_size=4)]
    assert sorted(keys) == sorted(ODD_KEYS)


def test_storage_class_is_listed(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="cold.md", Body=b"x", StorageClass="GLACIER")
    (listed,) = iter_objects(s3, bucket)
    assert listed.storage_class == "GLACIER"


def test_missing_bucket_raises_client_error(s3: Any) -> None:
    from botocore.exceptions import ClientError

    with pytest.raises(ClientError) as info:
        list(iter_objects(s3, "no-such-bucket-here"))
    assert info.value.response["Error"]["Code"] == "NoSuchBucket"
