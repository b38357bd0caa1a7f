"""Documents carry the principals of their source's ACL, search filters by them before ranking
(so results never come back short), and an ACL change reaches every document with one UPDATE,
without a body being fetched again. Over both backends."""

from __future__ import annotations

import pytest

from s3_ingest.core.index import SearchFilters, open_index
from s3_ingest.core.index.principals import Access, apply_acls, stored_principals
from s3_ingest.core.retrieval import Retriever
from s3_ingest_tests.core.retrieval.fakes import HashingEmbedder
from s3_ingest_tests.serve.corpus import (
    ALICE_KEYS, acl_rules, build_index, document, key_at, ranked_documents)

ALICE = Access(frozenset({"user:alice"}))
STAFF = Access(frozenset({"user:bob", "group:staff"}))


def test_the_filter_runs_before_ranking_so_a_limit_of_3_finds_all_3(serve_url):
    embedder = HashingEmbedder()
    build_index(serve_url, embedder=embedder)
    # No similarity floor: the test embedder's cosines say nothing of meaning, and the
    # question here is only which documents the filter lets into each ranking.
    with Retriever(serve_url, embedder=embedder, min_similarity=0.0) as retriever:
        everyone = [hit.key for hit in retriever.search("kestrel", "keyword", limit=20)]
        assert everyone == [key_at(i) for i in range(20)]  # the ranking the test relies on
        # Without pgvector a PostgreSQL index has no semantic search (hybrid runs as keyword).
        vectors = not retriever.index.vector_search_unavailable
        for mode in ("keyword", "hybrid") + (("semantic",) if vectors else ()):
            for chunks in (False, True):
                hits = retriever.search("kestrel", mode, SearchFilters(access=ALICE), 3,
                                        chunks=chunks)
                assert [hit.key for hit in hits] == ALICE_KEYS, (mode, chunks)
        # Document search before any chunk exists goes the same way.
        keyword = retriever.index.search("kestrel", SearchFilters(access=ALICE), 3)
        assert [hit.key for hit in keyword] == ALICE_KEYS


def test_callers_see_what_their_principals_allow_and_nobody_else_sees_anything(serve_url):
    build_index(serve_url)
    with open_index(serve_url) as index:
        nobody = Access(frozenset({"user:eve"}))
        assert index.search("kestrel", SearchFilters(access=nobody), 20) == []
        staff = [hit.key for hit in index.search("kestrel", SearchFilters(access=STAFF), 20)]
        # team-a/ has a rule of its own (the longest prefix wins): staff does not reach it.
        assert staff == [key_at(i) for i in range(20) if key_at(i) not in ALICE_KEYS]


def test_an_acl_change_updates_the_principals_without_touching_the_bodies(serve_url):
    build_index(serve_url)
    with open_index(serve_url) as index:
        before = index.get("docs", ALICE_KEYS[0])
        assert apply_acls(index, {"docs": acl_rules()}) == []  # unchanged: nothing written
        swapped = [{"keyPrefix": "other/",
                    "aclEntries": [{"Name": "alice", "Type": "USER"}]}]
        assert apply_acls(index, {"docs": acl_rules(swapped)}) == ["docs"]
        staff = [hit.key for hit in index.search("kestrel", SearchFilters(access=STAFF), 20)]
        assert staff == ALICE_KEYS  # other/ is alice's now; team-a/ is covered by no entry
        assert stored_principals(index, "docs", ALICE_KEYS[0]) == (True, None)
        assert stored_principals(index, "docs", key_at(0)) == (True, ["user:alice"])
        # Unlisted documents are visible to every caller, unless unlisted means deny.
        strict = Access(frozenset({"user:alice"}), deny_unlisted=True)
        hits = [hit.key for hit in index.search("kestrel", SearchFilters(access=strict), 20)]
        assert hits == [key_at(i) for i in range(20) if key_at(i) not in ALICE_KEYS]
        after = index.get("docs", ALICE_KEYS[0])
        assert (after.text, after.etag) == (before.text, before.etag)
        # Removing the ACL leaves every document unlisted.
        assert apply_acls(index, {"docs": None}) == ["docs"]
        assert stored_principals(index, "docs", key_at(0)) == (True, None)


def test_documents_written_after_the_acl_get_its_principals_and_upserts_keep_them(serve_url):
    build_index(serve_url)
    with open_index(serve_url) as index:
        index.upsert([document("team-a/new.txt", "kestrel newcomer"),
                      document(ALICE_KEYS[0], "kestrel rewritten body")])
        assert stored_principals(index, "docs", "team-a/new.txt") == (True, ["user:alice"])
        assert stored_principals(index, "docs", ALICE_KEYS[0]) == (True, ["user:alice"])
        # Another source, with no ACL, stays unlisted.
        index.upsert([document("x.txt", "kestrel", source="open")])
        assert stored_principals(index, "open", "x.txt") == (True, None)


def test_deny_entries_win_over_allow(serve_url):
    rules = [{"keyPrefix": "", "aclEntries": [
        {"Name": "staff", "Type": "GROUP", "Access": "ALLOW"},
        {"Name": "bob", "Type": "USER", "Access": "DENY"}]}]
    with open_index(serve_url) as index:
        index.upsert(ranked_documents())
        apply_acls(index, {"docs": acl_rules(rules)})
        assert index.search("kestrel", SearchFilters(access=STAFF), 5) == []
        carol = Access(frozenset({"user:carol", "group:staff"}))
        assert len(index.search("kestrel", SearchFilters(access=carol), 5)) == 5
        assert not STAFF.may_see(["group:staff", "!user:bob"])
        assert carol.may_see(["group:staff", "!user:bob"])


@pytest.mark.parametrize("rules, message", [
    ([{"keyPrefix": "s3://other-bucket/x/", "aclEntries": []}], "names bucket 'other-bucket'"),
    ([{"keyPrefix": "a/", "aclEntries": [{"Name": "x", "Type": "ROLE"}]}], "USER"),
])
def test_a_bad_acl_is_refused_with_a_clear_message(rules, message):
    with pytest.raises(ValueError, match=message):
        acl_rules(rules)


def test_a_version_3_index_migrates_and_keeps_its_documents(tmp_path):
    import sqlite3

    path = tmp_path / "index.db"
    with open_index(str(path)) as index:
        index.upsert(ranked_documents())
    from s3_ingest_tests.core.index.downgrade import downgrade_to_version_3

    downgrade_to_version_3(str(path), "sqlite")  # what version 3 left: no principals, no ACLs
    with open_index(str(path)) as index:
        assert index.count() == 20
        assert stored_principals(index, "docs", key_at(0)) == (True, None)
        assert apply_acls(index, {"docs": acl_rules()}) == ["docs"]
        assert [h.key for h in index.search("kestrel", SearchFilters(access=ALICE), 3)] == ALICE_KEYS
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == 4
