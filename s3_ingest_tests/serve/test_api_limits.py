"""Bad input gets a clear 4xx, and a full worker pool answers 503 at once rather than letting a
slow query hold every request up."""

from __future__ import annotations

import threading

import pytest

from s3_ingest.serve.service import Limits
from s3_ingest_tests.serve.api import api, bearer
from s3_ingest_tests.serve.corpus import STAFF_TOKEN


@pytest.mark.parametrize("params, status, words", [
    ({"query": "x" * 1001}, 422, "at most 1000 characters"),
    ({"query": ""}, 422, "at least 1 character"),
    ({}, 422, "Field required"),
    ({"query": "kestrel", "mode": "fuzzy"}, 422, "'keyword', 'semantic' or 'hybrid'"),
    ({"query": "kestrel", "limit": 0}, 422, "greater than or equal to 1"),
    ({"query": "kestrel", "limit": 101}, 422, "less than or equal to 100"),
    ({"query": "kestrel", "limit": "ten"}, 422, "valid integer"),
    ({"query": "kestrel", "chunks": "maybe"}, 422, "valid boolean"),
    ({"query": "kestrel", "tag": "no-equals-sign"}, 422, "must look like key=value"),
    ({"query": "kestrel", "prefix": "p" * 1025}, 422, "at most 1024 characters"),
])
def test_bad_parameters_get_a_4xx_that_says_what_is_wrong(tmp_path, params, status, words):
    with api(str(tmp_path / "index.db"), tmp_path, chunked=False) as (client, _):
        answer = client.get("/search", params=params, headers=bearer(STAFF_TOKEN))
    assert answer.status_code == status
    assert words in answer.text


def test_a_search_the_index_cannot_run_is_a_400(tmp_path):
    with api(str(tmp_path / "index.db"), tmp_path, chunked=False) as (client, _):
        answer = client.get("/search", params={"query": "kestrel", "mode": "semantic"},
                            headers=bearer(STAFF_TOKEN))
    assert answer.status_code == 400 and "no chunks yet" in answer.json()["detail"]


@pytest.mark.parametrize("query", ["kestrel') OR 1=1 --", 'a" OR "b', "NEAR(a b)", "x:y*",
                                   "%00\x00", "'; DROP TABLE documents; --"])
def test_hostile_queries_are_only_ever_data(serve_url, tmp_path, query):
    with api(serve_url, tmp_path) as (client, service):
        for mode in ("keyword", "hybrid"):
            answer = client.get("/search", params={"query": query, "mode": mode, "source": query,
                                                   "prefix": query, "tag": f"{query}={query}"},
                                headers=bearer(STAFF_TOKEN))
            assert answer.status_code == 200, answer.text
            assert answer.json()["hits"] == []
        assert service.index.count() == 20


def test_with_every_worker_busy_a_request_gets_a_clear_503_and_the_slow_one_completes(tmp_path):
    limits = Limits(workers=1, queue=0)
    with api(str(tmp_path / "index.db"), tmp_path, limits=limits) as (client, service):
        entered, release = threading.Event(), threading.Event()
        search = service.search

        def slow(*args, **kwargs):
            entered.set()
            assert release.wait(30)
            return search(*args, **kwargs)

        service.search = slow  # type: ignore[method-assign]
        outcome: dict[str, object] = {}
        first = threading.Thread(target=lambda: outcome.setdefault("first", client.get(
            "/search", params={"query": "kestrel"}, headers=bearer(STAFF_TOKEN))))
        first.start()
        assert entered.wait(30)
        busy = client.get("/search", params={"query": "kestrel"}, headers=bearer(STAFF_TOKEN))
        assert busy.status_code == 503 and busy.headers["retry-after"] == "1"
        assert "search workers are busy" in busy.json()["detail"]
        assert client.get("/health").status_code == 200  # not queued behind the slow search
        release.set()
        first.join(30)
        assert outcome["first"].status_code == 200 and outcome["first"].json()["hits"]
        service.search = search  # type: ignore[method-assign]
        again = client.get("/search", params={"query": "kestrel"}, headers=bearer(STAFF_TOKEN))
        assert again.status_code == 200  # the slot came back
