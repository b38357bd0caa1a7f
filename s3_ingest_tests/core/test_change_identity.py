"""Property: a change's identity is the object versions it is for. Over any sequence of puts,
deletes, same-bytes re-puts, successful and failed runs, the scan asks for a change exactly when
the bucket and the index differ; a repeated state gives the same digest (one run), and a
different state never gives a digest seen before (every distinct change gets its own run).

The bucket here is an in-process listing with a clock the test advances: moto's last-modified
times have whole seconds of real time, and hypothesis runs hundreds of sequences.
"""

from __future__ import annotations

import hashlib
import tempfile
from datetime import datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from s3_ingest.core.documents import Document
from s3_ingest.core.index.sqlite import SqliteIndex
from s3_ingest.core.plan.change_scan import scan_changes
from s3_ingest.core.sources.model import Source

KEYS = ("a/1.md", "a/2.md", "b/3.md")
BODIES = ("alpha", "beta")


class Bucket:
    def __init__(self) -> None:
        self.objects: dict[str, tuple[str, int, datetime]] = {}
        self.now = datetime(2026, 1, 1, tzinfo=timezone.utc)

    def tick(self) -> None:
        self.now += timedelta(seconds=1)

    def put(self, key: str, body: str) -> None:
        self.objects[key] = (hashlib.md5(body.encode()).hexdigest(), len(body), self.now)

    def list_objects_v2(self, **kwargs):
        contents = [{"Key": k, "ETag": f'"{e}"', "Size": s, "LastModified": t}
                    for k, (e, s, t) in sorted(self.objects.items())
                    if k.startswith(kwargs.get("Prefix", "")) and k > kwargs.get("StartAfter", "")]
        return {"Contents": contents, "IsTruncated": False}


def sync_index(index: SqliteIndex, bucket: Bucket) -> None:
    """What a successful run leaves: the index holds exactly the bucket's versions."""
    docs = [Document(source="docs", bucket="b", key=k, rel_path=k, partition=k.split("/")[0] + "/",
                     size=s, etag=e, last_modified=t, text="x")
            for k, (e, s, t) in bucket.objects.items()]
    if docs:
        index.upsert(docs)
    gone = set(index.manifest("docs")) - set(bucket.objects)
    if gone:
        index.delete("docs", sorted(gone))


def state_of(bucket: Bucket, index: SqliteIndex, partition: str) -> tuple:
    """A partition's state: its objects' versions in the bucket and in the index."""
    listed = tuple(sorted(i for i in bucket.objects.items() if i[0].startswith(partition)))
    indexed = tuple(sorted((k, e.etag, e.size, e.last_modified)
                           for k, e in index.manifest("docs", partition).items()))
    return listed, indexed


operations = st.lists(
    st.one_of(
        st.tuples(st.just("put"), st.sampled_from(KEYS), st.sampled_from(BODIES)),
        st.tuples(st.just("delete"), st.sampled_from(KEYS), st.just("")),
        st.tuples(st.just("run"), st.just(""), st.just("")),
        st.tuples(st.just("failed_run"), st.just(""), st.just("")),
    ),
    min_size=1, max_size=25,
)


@settings(max_examples=150, deadline=None)
@given(operations)
def test_every_distinct_change_gets_its_own_digest_and_a_repeat_the_same(ops):
    source = Source(name="docs", bucket="b", document_limit="unlimited")
    bucket = Bucket()
    seen: dict[tuple[str, str], tuple] = {}  # (partition, digest) -> the state it was for
    with tempfile.TemporaryDirectory() as tmp:
        index = SqliteIndex(f"{tmp}/i.db")
        for op, key, body in ops:
            bucket.tick()
            if op == "put":
                bucket.put(key, body)
            elif op == "delete":
                bucket.objects.pop(key, None)
            elif op == "run":
                sync_index(index, bucket)
            # a failed run changes nothing the scan reads
            first = scan_changes(bucket, source, index).digests()
            assert scan_changes(bucket, source, index).digests() == first  # a repeated tick
            in_step = {k: v[:2] + (v[2],) for k, v in bucket.objects.items()} == {
                k: (e.etag, e.size, e.last_modified) for k, e in index.manifest("docs").items()}
            assert (first == {}) == in_step
            for partition, digest in first.items():
                assert seen.setdefault((partition, digest), state_of(bucket, index, partition)) \
                    == state_of(bucket, index, partition)
        index.close()
