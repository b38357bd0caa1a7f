"""A sources file whose credentials name variables that are not set: `sync` says which, for which
source, and what to do - not Dagster's resource error with its stack trace - and indexes nothing."""

from __future__ import annotations

from s3_ingest_tests.cli.test_main import run_cli, write_sources


def test_sync_names_the_unset_credential_variables(local_s3, bucket, tmp_path):
    sources = write_sources(
        tmp_path / "s.yaml", local_s3.endpoint_url, bucket,
        credentials={"access_key_id_env": "S3_INGEST_TEST_NO_SUCH_KEY",
                     "secret_access_key_env": "S3_INGEST_TEST_NO_SUCH_SECRET"})
    result = run_cli("sync", "--sources", str(sources), "--index", str(tmp_path / "i.db"),
                     cwd=tmp_path)
    out = result.stdout + result.stderr
    assert result.returncode != 0
    assert "S3_INGEST_TEST_NO_SUCH_KEY, S3_INGEST_TEST_NO_SUCH_SECRET not set" in out, out
    assert "source docs" in out and "export them" in out
    assert "Stack Trace" not in out and "Traceback" not in out
