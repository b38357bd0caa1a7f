"""The HTTP API: tokens, access-aware search with the CLI's JSON fields, documents, health and
the published schema. Over both backends."""

from __future__ import annotations

import json
import logging

from click.testing import CliRunner

from s3_ingest.cli.main import cli
from s3_ingest_tests.serve.api import api, bearer
from s3_ingest_tests.serve.corpus import (
    ALICE_KEYS, ALICE_TOKEN, OUTSIDER_TOKEN, STAFF_TOKEN, key_at)


def test_no_token_or_a_wrong_one_gets_401_with_a_challenge(serve_url, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    wrong = "wrong-token-" + ALICE_TOKEN[::-1]
    with api(serve_url, tmp_path) as (client, _):
        for headers in ({}, bearer(wrong), {"Authorization": f"Basic {ALICE_TOKEN}"}):
            for path in ("/search?query=kestrel", f"/documents/docs/{ALICE_KEYS[0]}"):
                answer = client.get(path, headers=headers)
                assert answer.status_code == 401, (path, headers)
                assert answer.headers["www-authenticate"].startswith("Bearer")
                assert answer.json() == {"detail": "a valid bearer token is required"}
                assert wrong not in answer.text and ALICE_TOKEN not in answer.text
    assert wrong not in caplog.text and ALICE_TOKEN not in caplog.text


def test_search_returns_only_what_the_token_may_see_without_coming_back_short(
        serve_url, tmp_path):
    with api(serve_url, tmp_path) as (client, _):
        for mode in ("keyword", "hybrid"):
            answer = client.get("/search", params={"query": "kestrel", "limit": 3, "mode": mode},
                                headers=bearer(ALICE_TOKEN))
            assert answer.status_code == 200
            assert [hit["key"] for hit in answer.json()["hits"]] == ALICE_KEYS
        outsider = client.get("/search", params={"query": "kestrel"},
                              headers=bearer(OUTSIDER_TOKEN))
        assert outsider.json()["hits"] == []
        staff = client.get("/search", params={"query": "kestrel", "limit": 20, "chunks": True,
                                              "mode": "keyword"}, headers=bearer(STAFF_TOKEN))
        assert [h["key"] for h in staff.json()["hits"]] == [
            key_at(i) for i in range(20) if key_at(i) not in ALICE_KEYS]
        assert all(hit["chunk"]["text"] for hit in staff.json()["hits"])


def test_hits_carry_the_same_fields_and_values_as_search_json(tmp_path):
    url = str(tmp_path / "index.db")
    with api(url, tmp_path, chunked=False) as (client, _):
        params = {"query": "kestrel", "limit": 4, "prefix": "other/", "mode": "keyword",
                  "content_type": "text/plain"}
        answer = client.get("/search", params=params, headers=bearer(STAFF_TOKEN)).json()
    printed = CliRunner().invoke(cli, ["search", "kestrel", "--index", url, "--limit", "4",
                                       "--prefix", "other/", "--mode", "keyword", "--json",
                                       "--content-type", "text/plain"])
    assert printed.exit_code == 0, printed.output
    expected = [json.loads(line) for line in printed.stdout.splitlines()]
    assert answer["hits"] == expected and len(expected) == 4
    assert answer["mode"] == "keyword"


def test_filters_narrow_the_search(serve_url, tmp_path):
    with api(serve_url, tmp_path) as (client, _):
        def keys(**params):
            answer = client.get("/search", params={"query": "kestrel", "limit": 20, **params},
                                headers=bearer(STAFF_TOKEN))
            assert answer.status_code == 200, answer.text
            return [hit["key"] for hit in answer.json()["hits"]]

        assert keys(prefix="other/doc1") == [key_at(i) for i in range(10, 20)
                                             if key_at(i) not in ALICE_KEYS]
        assert keys(source="nope") == []
        assert keys(content_type="application/pdf") == []
        assert keys(tag="team=x") == []


def test_a_document_is_served_only_to_who_may_read_it(serve_url, tmp_path):
    with api(serve_url, tmp_path) as (client, _):
        mine = client.get(f"/documents/docs/{ALICE_KEYS[0]}", headers=bearer(ALICE_TOKEN))
        assert mine.status_code == 200
        body = mine.json()
        assert (body["key"], body["source"], body["bucket"]) == (ALICE_KEYS[0], "docs", "bucket-a")
        assert body["text"].startswith("kestrel") and body["status"] == "indexed"
        for token, path in ((ALICE_TOKEN, f"docs/{key_at(0)}"), (STAFF_TOKEN, f"docs/{ALICE_KEYS[0]}"),
                            (STAFF_TOKEN, "docs/missing.txt"), (STAFF_TOKEN, "nope/x")):
            hidden = client.get(f"/documents/{path}", headers=bearer(token))
            assert hidden.status_code == 404 and "may read" in hidden.json()["detail"]


def test_health_reports_the_index_and_the_embedder(serve_url, tmp_path):
    with api(serve_url, tmp_path) as (client, _):
        report = client.get("/health").json()
        assert report["status"] == "ok" and report["index"]["reachable"] is True
        assert report["embedder"] == {"loaded": True, "model": "test/hashing"}


def test_the_openapi_schema_is_published_with_the_bearer_scheme(tmp_path):
    with api(str(tmp_path / "index.db"), tmp_path, chunked=False) as (client, _):
        schema = client.get("/openapi.json").json()
    assert {"/search", "/documents/{source}/{key}", "/health"} <= set(schema["paths"])
    assert schema["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    names = {p["name"] for p in schema["paths"]["/search"]["get"]["parameters"]}
    assert names == {"query", "mode", "limit", "source", "prefix", "tag", "content_type", "chunks"}


def test_documents_no_acl_covers_are_visible_unless_the_server_denies_them(tmp_path):
    from s3_ingest.core.index import open_index
    from s3_ingest_tests.serve.corpus import document

    for deny, expected in ((False, ["open/x.txt"]), (True, [])):
        url = str(tmp_path / f"index-{deny}.db")
        with open_index(url) as index:  # a source with no ACL at all
            index.upsert([document("open/x.txt", "kestrel in the open", source="open")])
        with api(url, tmp_path, chunked=False, deny_unlisted=deny) as (client, _):
            answer = client.get("/search", params={"query": "kestrel", "source": "open"},
                                headers=bearer(OUTSIDER_TOKEN))
            assert [hit["key"] for hit in answer.json()["hits"]] == expected
            doc = client.get("/documents/open/open/x.txt", headers=bearer(OUTSIDER_TOKEN))
            assert doc.status_code == (404 if deny else 200)
