"""No secret access key or session token reaches any output, log, storage file or error.

Every run here uses distinctive credential values ("SeKrEt-<uuid hex>", "ToKeN-<uuid hex>") and
then searches for them - raw (case-insensitively), URL-encoded, base64 (standard and URL-safe, at
every byte alignment) and by their random hex core - in everything a run leaves behind: the
command's stdout and stderr (quiet and verbose), every file of a persistent DAGSTER_HOME (run
storage, event log, compute logs, schedules), the index and its -wal/-shm files, every Dagster
event, metadata value and run config, and str()/repr()/traceback of every exception raised.
"""

from __future__ import annotations

import base64
import os
import subprocess
import sys
import traceback
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import pytest
import yaml
from dagster import DagsterInstance, materialize

from s3_ingest.cli.runner import plan
from s3_ingest.core.sources.model import Source
from s3_ingest.defs.ingest.assets import build_documents_asset
from s3_ingest.defs.ingest.partitions import prefix_partitions
from s3_ingest.defs.resources.index import INDEX_KEY, IndexResource
from s3_ingest.defs.resources.s3 import s3_resource_for, s3_resource_key
from s3_ingest_tests.conftest import KEY_ENV, SECRET_ENV, make_source, put_objects
from s3_ingest_tests.reliability.auth_server import OBJECT_KEY

TOKEN_ENV = "S3_INGEST_TEST_SESSION_TOKEN"
CLI = [sys.executable, "-m", "s3_ingest.cli.main"]
CREDENTIALS = {
    "access_key_id_env": KEY_ENV,
    "secret_access_key_env": SECRET_ENV,
    "session_token_env": TOKEN_ENV,
}


@dataclass(frozen=True)
class Secrets:
    key_id: str
    secret: str
    token: str

    def needles(self) -> dict[str, tuple[bytes, bool]]:
        """name -> (bytes to look for, case-insensitive?) for the secret and the token."""
        found: dict[str, tuple[bytes, bool]] = {}
        for label, value in (("secret", self.secret), ("session token", self.token)):
            raw = value.encode()
            found[f"{label}"] = (raw, True)
            found[f"{label} (hex core)"] = (value.split("-", 1)[1].encode(), True)
            found[f"{label} (url-encoded)"] = (quote(value, safe="").encode(), True)
            found[f"{label} (form-encoded)"] = (quote_plus(value).encode(), True)
            for encode, kind in ((base64.b64encode, "base64"),
                                 (base64.urlsafe_b64encode, "base64url")):
                for shift in range(3):
                    # The part of the encoding that does not depend on the neighbouring bytes.
                    text = encode(b"\0" * shift + raw).rstrip(b"=")
                    found[f"{label} ({kind}, offset {shift})"] = (text[4:-4], False)
        return found


@pytest.fixture
def secret_env(monkeypatch: pytest.MonkeyPatch) -> Secrets:
    """Sets the variables the sources' `credentials` name to distinctive values."""
    secrets = Secrets(
        key_id="AKIA" + uuid.uuid4().hex[:16].upper(),
        secret="SeKrEt-" + uuid.uuid4().hex,
        token="ToKeN-" + uuid.uuid4().hex,
    )
    monkeypatch.setenv(KEY_ENV, secrets.key_id)
    monkeypatch.setenv(SECRET_ENV, secrets.secret)
    monkeypatch.setenv(TOKEN_ENV, secrets.token)
    return secrets


class Haystack:
    """Everything a run left behind, by where it came from."""

    def __init__(self) -> None:
        self.items: list[tuple[str, bytes]] = []

    def add(self, where: str, content: str | bytes | None) -> None:
        if content is None:
            return
        self.items.append((where, content if isinstance(content, bytes) else content.encode()))

    def add_tree(self, root: Path) -> int:
        count = 0
        for path in sorted(root.rglob("*")):
            if path.is_file():
                self.add(f"file {path.relative_to(root)}", path.read_bytes())
                count += 1
        return count

    def add_exception(self, where: str, exc: BaseException) -> None:
        self.add(f"{where}: str", str(exc))
        self.add(f"{where}: repr", repr(exc))
        self.add(f"{where}: traceback", "".join(traceback.format_exception(exc)))
        seen, chain = {id(exc)}, [exc.__cause__, exc.__context__]
        while chain:
            linked = chain.pop()
            if linked is None or id(linked) in seen:
                continue
            seen.add(id(linked))
            self.add(f"{where}: chained {type(linked).__name__}", repr(linked) + str(linked))
            chain += [linked.__cause__, linked.__context__]

    def leaks(self, secrets: Secrets) -> list[str]:
        found = []
        for where, content in self.items:
            folded = content.lower()
            for name, (needle, fold) in secrets.needles().items():
                if (needle.lower() in folded) if fold else (needle in content):
                    found.append(f"{name} in {where}")
        return found


def test_the_scan_finds_a_secret_in_every_form_it_looks_for(secret_env):
    raw = secret_env.secret.encode()
    forms = {
        "raw, upper-cased": secret_env.secret.upper().encode(),
        "url-encoded": quote(secret_env.secret, safe="").encode(),
        "json": f'{{"aws_secret_access_key": "{secret_env.secret}"}}'.encode(),
        **{f"base64 after {n} bytes": base64.b64encode(b"x" * n + raw + b"tail")
           for n in range(3)},
        "base64url": base64.urlsafe_b64encode(b"?>" + raw),
        "token": secret_env.token.encode(),
    }
    for name, content in forms.items():
        haystack = Haystack()
        haystack.add(name, b"prefix " + content + b" suffix")
        assert haystack.leaks(secret_env), name
    clean = Haystack()
    clean.add("key id only", secret_env.key_id)
    assert clean.leaks(secret_env) == []


def source_entry(name: str, endpoint: str, bucket: str, **credentials: str) -> dict[str, Any]:
    return {
        "name": name, "bucket": bucket, "endpoint": endpoint, "region": "us-east-1",
        "path_style": True, "max_attempts": 1, "credentials": credentials or CREDENTIALS,
    }


def write_sources(path: Path, *sources: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump({"sources": list(sources)}))
    return path


def dagster_home(tmp_path: Path) -> Path:
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    return home


def run_cli(*args: str, cwd: Path, home: Path, haystack: Haystack) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "S3_INGEST_SOURCES"}
    env["DAGSTER_HOME"] = str(home)
    result = subprocess.run([*CLI, *args], cwd=cwd, env=env, capture_output=True, text=True,
                            timeout=180)
    haystack.add(f"stdout of {' '.join(args)}", result.stdout)
    haystack.add(f"stderr of {' '.join(args)}", result.stderr)
    return result


def assert_runs_were_stored(home: Path, at_least: int) -> None:
    instance = DagsterInstance.from_config(str(home))
    try:
        assert len(instance.get_run_records()) >= at_least
    finally:
        instance.dispose()


def test_sync_that_succeeds_leaves_no_secret(
    secret_env, local_s3, s3_client, bucket, tmp_path, capfd
):
    put_objects(s3_client, bucket, {"a/kestrel.md": "# Kestrels\nThey hover.",
                                    "a/owl.txt": "Owls hunt at night."})
    sources = write_sources(tmp_path / "sources.yaml",
                            source_entry("docs", local_s3.endpoint_url, bucket))
    home, index = dagster_home(tmp_path), tmp_path / "index.db"
    haystack = Haystack()
    quiet = run_cli("sync", "--sources", str(sources), "--index", str(index),
                    cwd=tmp_path, home=home, haystack=haystack)
    assert quiet.returncode == 0, quiet.stderr
    assert "1 partition run(s), 0 failed" in quiet.stdout and "indexed 2" in quiet.stdout
    verbose = run_cli("sync", "-v", "--full", "--sources", str(sources), "--index", str(index),
                      cwd=tmp_path, home=home, haystack=haystack)
    assert verbose.returncode == 0, verbose.stderr
    # Dagster's own DEBUG event log was shown (and so was scanned for the secret).
    assert " - DEBUG - " in verbose.stderr and "RUN_SUCCESS" in verbose.stderr
    assert_runs_were_stored(home, 2)
    assert index.exists()

    assert haystack.add_tree(tmp_path) > 3  # DAGSTER_HOME (runs, event log, logs), the index
    haystack.add("captured output", "".join(capfd.readouterr()))
    assert haystack.leaks(secret_env) == []


def test_sync_that_fails_leaves_no_secret(
    secret_env, auth_s3, local_s3, tmp_path, monkeypatch, capfd
):
    # "wrong_secret": a wrong secret for a real key id, so the server checks the signature
    # (SignatureDoesNotMatch). No session token there: with one, moto answers InvalidToken
    # before it checks the signature. "missing": a bucket that does not exist, on the ordinary
    # endpoint, with the distinctive key id and the session token.
    monkeypatch.setenv("S3_INGEST_TEST_ADMIN_KEY_ID", auth_s3.admin.access_key_id)
    sources = write_sources(
        tmp_path / "sources.yaml",
        source_entry("wrong_secret", auth_s3.endpoint_url, auth_s3.bucket,
                     access_key_id_env="S3_INGEST_TEST_ADMIN_KEY_ID",
                     secret_access_key_env=SECRET_ENV),
        source_entry("missing", local_s3.endpoint_url, "no-such-bucket-for-secrets"),
    )
    home, index = dagster_home(tmp_path), tmp_path / "index.db"
    haystack = Haystack()
    partition = OBJECT_KEY.split("/")[0] + "/"
    # Through the asset (a Dagster run fails, verbosely), and through partition discovery.
    for extra in (["-v", "--prefix", partition], []):
        result = run_cli("sync", *extra, "--sources", str(sources), "--index", str(index),
                         cwd=tmp_path, home=home, haystack=haystack)
        assert result.returncode == 1, (result.stdout, result.stderr)
        assert "2 partition run(s), 2 failed" in result.stdout
        assert "SignatureDoesNotMatch" in result.stderr and "not found" in result.stderr
        assert "Traceback" not in result.stderr

    assert_runs_were_stored(home, 2)  # both failed partition runs are in the run storage
    haystack.add_tree(tmp_path)
    haystack.add("captured output", "".join(capfd.readouterr()))
    assert haystack.leaks(secret_env) == []


def materialize_partition(source: Source, partition: str, index: Path, *, raise_on_error: bool):
    asset = build_documents_asset(source)
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions(prefix_partitions(source).name, [partition])
    result = materialize(
        [asset], partition_key=partition, instance=instance,
        resources={INDEX_KEY: IndexResource(url=str(index)),
                   s3_resource_key(source): s3_resource_for(source)},
        raise_on_error=raise_on_error,
    )
    return result, instance


def scan_result(haystack: Haystack, label: str, result: Any, instance: DagsterInstance) -> None:
    for event in result.all_events:
        haystack.add(f"{label} event {event.event_type_value}", str(event) + repr(event))
        if event.is_step_failure and event.step_failure_data.error is not None:
            haystack.add(f"{label} step failure", event.step_failure_data.error.to_string())
        if event.is_step_materialization:
            metadata = event.step_materialization_data.materialization.metadata
            for key, value in metadata.items():
                shown = repr(value) + str(getattr(value, "value", value))
                haystack.add(f"{label} metadata {key}", shown)
    for record in instance.all_logs(result.run_id):
        haystack.add(f"{label} event log", repr(record) + (record.message or ""))
    run = instance.get_run_by_id(result.run_id)
    haystack.add(f"{label} run config", repr(run.run_config))
    haystack.add(f"{label} run", repr(run))


def test_in_process_materialize_leaves_no_secret(
    secret_env, local_s3, s3_client, bucket, auth_s3, tmp_path, monkeypatch, capfd
):
    put_objects(s3_client, bucket, {"a/one.md": "# One\nfirst", "a/two.txt": "second"})
    haystack = Haystack()
    index = tmp_path / "index.db"

    good = make_source(local_s3.endpoint_url, bucket, credentials=CREDENTIALS)
    result, instance = materialize_partition(good, "a/", index, raise_on_error=False)
    assert result.success
    assert result.asset_materializations_for_node(f"{good.name}__documents")
    scan_result(haystack, "success", result, instance)
    haystack.add("resource config", repr(s3_resource_for(good)) + str(s3_resource_for(good)))

    # A wrong secret for a real key id, without a session token (the server checks the
    # signature: SignatureDoesNotMatch) and with one (moto answers InvalidToken).
    monkeypatch.setenv(KEY_ENV, auth_s3.admin.access_key_id)
    no_token = {k: v for k, v in CREDENTIALS.items() if k != "session_token_env"}
    for label, credentials, code in (("no token", no_token, "SignatureDoesNotMatch"),
                                     ("token", CREDENTIALS, "InvalidToken")):
        bad = make_source(auth_s3.endpoint_url, auth_s3.bucket, credentials=credentials)
        result, instance = materialize_partition(bad, "notes/", index, raise_on_error=False)
        assert not result.success
        scan_result(haystack, f"failure ({label})", result, instance)
        haystack.add(f"failing resource config ({label})", repr(s3_resource_for(bad)))

        # The same failure raised, and the command line's own listing failing.
        with pytest.raises(Exception) as raised:
            materialize_partition(bad, "notes/", index, raise_on_error=True)
        haystack.add_exception(f"materialize raised ({label})", raised.value)
        with pytest.raises(Exception) as listing:
            plan(bad, IndexResource(url=str(index)), full=False, prefix=None)
        assert code in str(listing.value)
        haystack.add_exception(f"the command line's scan raised ({label})", listing.value)

    haystack.add_tree(tmp_path)
    haystack.add("captured output", "".join(capfd.readouterr()))
    assert haystack.leaks(secret_env) == []


def test_the_resolved_s3_resource_does_not_show_its_secret(secret_env, local_s3):
    """What Dagster builds for a run, once EnvVars are resolved, must not print its secrets:
    a repr reaches logs, resource-init errors and debuggers."""
    source = make_source(local_s3.endpoint_url, "any", credentials=CREDENTIALS)
    resolved = s3_resource_for(source).process_config_and_initialize()
    assert resolved.aws_secret_access_key == secret_env.secret  # really resolved
    haystack = Haystack()
    haystack.add("resolved resource repr", repr(resolved))
    haystack.add("resolved resource str", str(resolved))
    assert haystack.leaks(secret_env) == []
