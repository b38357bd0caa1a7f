"""Wrong credentials and missing permissions, against an S3 endpoint that really checks them.

The `auth_s3` server (a separate moto process with authentication on) verifies every request's
SigV4 signature against its IAM users' keys and evaluates their IAM policies, so these are the
errors a real bucket gives: InvalidAccessKeyId, SignatureDoesNotMatch and AccessDenied (moto
answers all three with HTTP 403, as AWS does). Each case runs through the real Dagster asset and
through `s3-ingest sync` as a user would run it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from s3_ingest.core.index.sqlite import SqliteIndex
from s3_ingest_tests.cli.test_main import run_cli
from s3_ingest_tests.conftest import KEY_ENV, SECRET_ENV, make_source
from s3_ingest_tests.defs.ingest.test_assets import failure_of, metadata_of, run_partition
from s3_ingest_tests.reliability.auth_server import OBJECT_KEY, AuthS3

PARTITION = OBJECT_KEY.split("/")[0] + "/"  # "notes/"


def use_keys(monkeypatch: pytest.MonkeyPatch, key_id: str, secret: str) -> None:
    """Credentials reach the source only as the env vars its `credentials` name."""
    monkeypatch.setenv(KEY_ENV, key_id)
    monkeypatch.setenv(SECRET_ENV, secret)


def unknown_key(server: AuthS3) -> tuple[str, str]:
    return "AKIAUNKNOWNKEY000000", server.admin.secret_access_key


def wrong_secret(server: AuthS3) -> tuple[str, str]:
    return server.admin.access_key_id, "not-the-secret-" + "x" * 24


def no_list(server: AuthS3) -> tuple[str, str]:
    keys = server.reader_no_list
    return keys.access_key_id, keys.secret_access_key


def expect_auth_failed(message: str, server: AuthS3, code: str, source: str = "docs") -> None:
    assert f"source {source!r}" in message, message
    assert server.bucket in message, message
    assert "authentication failed" in message, message
    assert "401" in message, message
    assert code in message, message


def expect_list_denied(message: str, server: AuthS3, code: str, source: str = "docs") -> None:
    assert f"source {source!r}" in message, message
    assert server.bucket in message, message
    assert "s3:ListBucket" in message, message
    assert f"arn:aws:s3:::{server.bucket}" in message, message
    assert "403" in message, message
    assert code in message, message


CASES = {
    "unknown_access_key_id": (unknown_key, expect_auth_failed, "InvalidAccessKeyId"),
    "wrong_secret": (wrong_secret, expect_auth_failed, "SignatureDoesNotMatch"),
    "reader_without_list": (no_list, expect_list_denied, "AccessDenied"),
}


# -- through the Dagster asset ------------------------------------------------------------------


def test_admin_keys_materialize_the_partition(auth_s3, tmp_path, monkeypatch):
    use_keys(monkeypatch, auth_s3.admin.access_key_id, auth_s3.admin.secret_access_key)
    source = make_source(auth_s3.endpoint_url, auth_s3.bucket)
    index_path = tmp_path / "i.db"
    result = run_partition(source, PARTITION, index_path)
    assert result.success
    meta = metadata_of(result, source)
    assert (meta["listed"], meta["indexed"], meta["failed"]) == (1, 1, 0)
    hits = SqliteIndex(str(index_path)).search("kestrel")
    assert [h.key for h in hits] == [OBJECT_KEY]


@pytest.mark.parametrize("case", list(CASES))
def test_bad_credentials_fail_the_run_at_once_and_lose_nothing(
    case, auth_s3, tmp_path, monkeypatch
):
    keys_for, expect, code = CASES[case]
    source = make_source(auth_s3.endpoint_url, auth_s3.bucket)
    index_path = tmp_path / "i.db"

    # An earlier, successful run indexed the object.
    use_keys(monkeypatch, auth_s3.admin.access_key_id, auth_s3.admin.secret_access_key)
    assert run_partition(source, PARTITION, index_path).success
    assert SqliteIndex(str(index_path)).count("docs") == 1

    use_keys(monkeypatch, *keys_for(auth_s3))
    result = run_partition(source, PARTITION, index_path)
    assert not result.success
    expect(failure_of(result), auth_s3, code)
    retries = [e for e in result.all_events if e.event_type_value == "STEP_UP_FOR_RETRY"]
    assert retries == []  # retrying cannot fix credentials or permissions
    failures = [e for e in result.all_events if e.is_step_failure]
    assert len(failures) == 1

    index = SqliteIndex(str(index_path))
    assert index.count("docs") == 1
    assert [h.key for h in index.search("kestrel")] == [OBJECT_KEY]


# -- through `s3-ingest sync` -------------------------------------------------------------------


def sources_yaml(path: Path, server: AuthS3, names: list[str]) -> Path:
    """One source per case on the same bucket, each with its own credential variables."""
    sources = [
        {
            "name": name, "bucket": server.bucket, "endpoint": server.endpoint_url,
            "region": "us-east-1", "path_style": True, "max_attempts": 1,
            "credentials": {"access_key_id_env": f"S3_INGEST_AUTH_{name.upper()}_KEY",
                            "secret_access_key_env": f"S3_INGEST_AUTH_{name.upper()}_SECRET"},
        }
        for name in names
    ]
    path.write_text(yaml.safe_dump({"sources": sources}))
    return path


def use_source_keys(monkeypatch: pytest.MonkeyPatch, name: str, keys: tuple[str, str]) -> None:
    monkeypatch.setenv(f"S3_INGEST_AUTH_{name.upper()}_KEY", keys[0])
    monkeypatch.setenv(f"S3_INGEST_AUTH_{name.upper()}_SECRET", keys[1])


def test_sync_with_admin_keys_indexes_the_object(auth_s3, tmp_path, monkeypatch):
    sources = sources_yaml(tmp_path / "sources.yaml", auth_s3, ["docs"])
    use_source_keys(monkeypatch, "docs",
                    (auth_s3.admin.access_key_id, auth_s3.admin.secret_access_key))
    index = tmp_path / "i.db"
    result = run_cli("sync", "--sources", str(sources), "--index", str(index), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "1 partition run(s), 0 failed" in result.stdout
    assert f"ok    docs {PARTITION}:" in result.stdout
    assert [h.key for h in SqliteIndex(str(index)).search("kestrel")] == [OBJECT_KEY]


@pytest.mark.parametrize("prefix", [None, PARTITION], ids=["discover", "one_prefix"])
def test_sync_with_bad_credentials_exits_1_with_the_message(
    prefix, auth_s3, tmp_path, monkeypatch
):
    # One source per case, in one process (each CLI start costs seconds). Without --prefix the
    # failure comes from partition discovery (the CLI's own listing); with --prefix it comes
    # from inside the Dagster asset. Both must say the same thing.
    sources = sources_yaml(tmp_path / "sources.yaml", auth_s3, list(CASES))
    for name, (keys_for, _, _) in CASES.items():
        use_source_keys(monkeypatch, name, keys_for(auth_s3))
    args = ["sync", "--sources", str(sources), "--index", str(tmp_path / "i.db")]
    if prefix:
        args += ["--prefix", prefix]
    result = run_cli(*args, cwd=tmp_path)
    assert result.returncode == 1, (result.stdout, result.stderr)
    # No traceback of any kind: not Python's, and not the stack trace Dagster's console logger
    # prints with a failed step's event (the quiet, non-verbose output is for a user).
    assert "Traceback" not in result.stderr, result.stderr
    assert "Stack Trace" not in result.stderr and 'File "' not in result.stderr, result.stderr
    assert f"{len(CASES)} partition run(s), {len(CASES)} failed" in result.stdout
    fail_lines = [line for line in result.stderr.splitlines() if line.startswith("FAIL  ")]
    assert len(fail_lines) == len(CASES), result.stderr
    for name, (_, expect, code) in CASES.items():
        [line] = [line for line in fail_lines if line.startswith(f"FAIL  {name} ")]
        expect(line, auth_s3, code, source=name)
    assert SqliteIndex(str(tmp_path / "i.db")).count() == 0
