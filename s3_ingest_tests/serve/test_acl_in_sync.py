"""A source's ACL reaches its documents through the runs that write them (issue 24), not only
when `serve` starts: a real `s3-ingest sync` against moto's server stores each document's
principals, and a changed ACL reaches them on the next sync even when nothing changed in the
bucket - without a body being fetched again."""

from __future__ import annotations

import json

from s3_ingest.core.index import open_index
from s3_ingest.core.index.principals import stored_principals
from s3_ingest_tests.cli.test_main import run_cli, write_sources
from s3_ingest_tests.conftest import put_objects


def acl(group: str) -> list[dict]:
    return [{"keyPrefix": "hr/", "aclEntries": [{"Name": group, "Type": "GROUP"}]}]


def test_sync_gives_documents_their_acl_and_a_changed_acl_without_refetching(
        local_s3, s3_client, bucket, tmp_path):
    put_objects(s3_client, bucket, {"hr/leave.md": "# Leave\nStaff leave rules.",
                                    "eng/build.md": "# Build\nHow to build."})
    index = str(tmp_path / "index.db")
    sources = write_sources(tmp_path / "s.yaml", local_s3.endpoint_url, bucket, acl=acl("hr"))
    first = run_cli("sync", "--no-chunks", "--sources", str(sources), "--index", index,
                    cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    with open_index(index) as ix:
        assert stored_principals(ix, "docs", "hr/leave.md") == (True, ["group:hr"])
        assert stored_principals(ix, "docs", "eng/build.md") == (True, None)  # no entry

    write_sources(sources, local_s3.endpoint_url, bucket, acl=acl("people"))
    second = run_cli("sync", "--no-chunks", "--json", "--sources", str(sources), "--index",
                     index, cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    summary = json.loads(second.stdout)
    assert summary["nothing_changed"] and summary["totals"]["fetched"] == 0
    with open_index(index) as ix:
        assert stored_principals(ix, "docs", "hr/leave.md") == (True, ["group:people"])
