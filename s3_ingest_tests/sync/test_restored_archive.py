"""An archived object whose restore completes becomes readable: the next sync indexes its text,
once; when the restored copy expires the text stays. A real `s3-ingest sync` process against
moto's server, through the project's proxy - which fills in the listing's RestoreStatus from
moto's own restore state, since moto's listings leave it out."""

from __future__ import annotations

from pathlib import Path

from s3_ingest.core.index.sqlite import SqliteIndex
from s3_ingest_tests.cli.test_main import run_cli, write_sources
from s3_ingest_tests.local_s3_proxy import ProxySettings, S3Proxy


def sync(tmp_path: Path, sources: Path):
    result = run_cli("sync", "--sources", str(sources), "--index", str(tmp_path / "i.db"),
                     cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    return result


def test_a_restored_archive_is_indexed_once_and_keeps_its_text(local_s3, s3_client, bucket,
                                                                tmp_path):
    s3_client.put_object(Bucket=bucket, Key="c/cold.txt", Body=b"frozen penguin colony",
                         StorageClass="GLACIER")
    s3_client.put_object(Bucket=bucket, Key="c/warm.txt", Body=b"warm words")
    index = SqliteIndex(str(tmp_path / "i.db"))
    with S3Proxy(local_s3.endpoint_url, ProxySettings(restore_status=True)) as proxy:
        sources = write_sources(tmp_path / "s.yaml", proxy.url, bucket)
        sync(tmp_path, sources)
        cold = index.get("docs", "c/cold.txt")
        assert cold.status == "metadata_only" and "archived" in cold.reason

        # moto completes a restore at once.
        s3_client.restore_object(Bucket=bucket, Key="c/cold.txt", RestoreRequest={"Days": 1})
        proxy.stats.requests.clear()
        restored = sync(tmp_path, sources)
        assert proxy.stats.requests["get"] == 1, restored.stdout
        cold = index.get("docs", "c/cold.txt")
        assert cold.status == "indexed" and cold.text == "frozen penguin colony"
        assert [hit.key for hit in index.search("penguin")] == ["c/cold.txt"]

        proxy.stats.requests.clear()
        again = sync(tmp_path, sources)
        assert proxy.stats.requests["get"] == proxy.stats.requests["head"] == 0
        assert "nothing changed" in again.stdout

    # The restored copy expired: the listing says archived again, the same version. The text
    # read while it could be stays, and nothing is fetched.
    with S3Proxy(local_s3.endpoint_url) as proxy:
        sources = write_sources(tmp_path / "s.yaml", proxy.url, bucket)
        expired = sync(tmp_path, sources)
        assert proxy.stats.requests["get"] == 0 and "nothing changed" in expired.stdout
    assert index.get("docs", "c/cold.txt").text == "frozen penguin colony"
