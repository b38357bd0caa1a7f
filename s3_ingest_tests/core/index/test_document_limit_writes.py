"""document_limit inside the write transaction (core/plan/document_limit.py), on both backends:
after any write the source holds only its first N keys; a key written later displaces the keys after
it; and two writers at once never leave - nor show anyone, even for a moment - more than N."""

from __future__ import annotations

import threading
from collections.abc import Callable

from s3_ingest.core.index import DocumentIndex
from s3_ingest_tests.core.index.documents import make_doc

LIMIT = 3
A = ["a/1.md", "a/2.md"]
B = ["b/1.md", "b/2.md", "b/3.md"]
FIRST = ["a/1.md", "a/2.md", "b/1.md"]


def docs(keys: list[str]):
    return [make_doc(k, partition=k.split("/")[0] + "/") for k in keys]


def held(index: DocumentIndex) -> list[str]:
    return sorted(index.manifest("docs"))


def test_a_later_partition_displaces_the_keys_after_it(index: DocumentIndex) -> None:
    index.upsert(docs(["c/1.md"]), document_limit=LIMIT)
    index.upsert(docs(B), document_limit=LIMIT)
    assert held(index) == ["b/1.md", "b/2.md", "b/3.md"]  # c/1.md displaced by earlier keys
    index.upsert(docs(A) + [make_doc("zz.md", partition="(root)")], document_limit=LIMIT)
    assert held(index) == FIRST
    index.upsert(docs(["other.md"]), document_limit=None)  # no limit: nothing trimmed
    assert len(held(index)) == 4
    index.upsert([make_doc("m.md", source="other")], document_limit=1)
    assert len(held(index)) == 4  # another source's limit trims only that source


def test_two_writers_at_once_end_with_the_first_keys_and_never_show_more(
    make_index: Callable[[], DocumentIndex],
) -> None:
    writer_a, writer_b, reader = make_index(), make_index(), make_index()
    seen: list[int] = []
    stop = threading.Event()

    def watch() -> None:  # what a search could see at any moment
        while not stop.is_set():
            seen.append(reader.count("docs"))

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        for _ in range(15):
            reader.delete("docs", A + B)
            barrier = threading.Barrier(2)

            def write(index: DocumentIndex, keys: list[str]) -> None:
                barrier.wait()
                index.upsert(docs(keys), document_limit=LIMIT)

            threads = [threading.Thread(target=write, args=(writer_b, B)),
                       threading.Thread(target=write, args=(writer_a, A))]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            assert held(reader) == FIRST
    finally:
        stop.set()
        watcher.join()
    assert seen and max(seen) <= LIMIT
