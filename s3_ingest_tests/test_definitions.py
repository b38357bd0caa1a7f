"""The code location loads, validates, and refuses a bad sources file with a clear message."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from dagster import AssetKey, Definitions

from s3_ingest.core.sources.loader import load_sources
from s3_ingest.definitions import build_definitions
from s3_ingest.sample import SOURCES_FILE

REPO = Path(__file__).resolve().parents[1]


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("S3_INGEST_")}
    return env | extra


def test_definitions_load_from_the_sample_sources_file():
    defs = build_definitions(load_sources(SOURCES_FILE))
    Definitions.validate_loadable(defs)
    repo = defs.get_repository_def()
    assert repo.asset_graph.get(AssetKey(["sample", "documents"])).partitions_def is not None
    resources = set(repo.get_top_level_resources())
    assert {"s3_ingest_index", "s3_ingest_embedder", "s3_sample"} <= resources
    # A concurrency pool per source caps its fetch steps across runs (production dagster.yaml).
    asset = repo.assets_defs_by_key[AssetKey(["sample", "documents"])]
    assert asset.op.pool == "s3_fetch_sample"


def test_dagster_definitions_validate_passes_on_the_workspace():
    result = subprocess.run(
        [sys.executable, "-m", "dagster", "definitions", "validate", "-w", "workspace.yaml"],
        cwd=REPO, env=_env(), capture_output=True, text=True, timeout=180,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Validation successful for code location s3_ingest" in result.stdout + result.stderr
    # The only warning allowed is Dagster's note that the validate command itself is superseded.
    warnings = [
        line for line in (result.stdout + result.stderr).splitlines()
        if "warning" in line.lower() and "definitions_validate_command" not in line
    ]
    assert warnings == []


def test_a_bad_sources_file_fails_the_load_naming_source_and_field(tmp_path):
    bad = tmp_path / "sources.yaml"
    bad.write_text("sources:\n  - name: team_docs\n    bucket: b\n    tag_regex: '(unclosed'\n")
    result = subprocess.run(
        [sys.executable, "-m", "dagster", "definitions", "validate", "-m", "s3_ingest.definitions"],
        cwd=tmp_path, env=_env(S3_INGEST_SOURCES=str(bad)), capture_output=True, text=True,
        timeout=120,
    )
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "source 'team_docs': field 'tag_regex': does not compile" in output


def test_importing_the_location_reads_nothing(tmp_path):
    """A project can import the module (and the component) without a sources file: the file is
    read when Dagster loads the location."""
    result = subprocess.run(
        [sys.executable, "-c", "import s3_ingest.definitions, s3_ingest.component"],
        cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / ".s3_ingest").exists()


def test_the_shipped_sources_files_are_valid():
    assert [s.name for s in load_sources(REPO / "sources.yaml")] == ["sample"]
    names = [s.name for s in load_sources(REPO / "sources.example.yaml")]
    assert names == ["aws_handbook", "minio_reports", "r2_notes", "public_papers"]


def test_a_full_definition_set_has_every_sensor_check_job_and_schedule(tmp_path):
    from s3_ingest.core.sources.loader import parse_sources

    sources = parse_sources(
        "sources:\n"
        "  - name: alpha\n    bucket: a\n"
        "  - name: beta\n    bucket: b\n    events: {queue_url: 'https://sqs.example/q'}\n"
    )
    repo = build_definitions(sources).get_repository_def()
    assert {s.name for s in repo.sensor_defs} == {
        "alpha_poll_sensor", "beta_poll_sensor", "beta_events_sensor",
        "alpha_chunks_automation", "beta_chunks_automation",
        "alpha_chunks_behind_sensor", "beta_chunks_behind_sensor"}
    assert {s.name for s in repo.schedule_defs} == {
        "alpha_reconcile_schedule", "beta_reconcile_schedule", "index_housekeeping_schedule"}
    assert {"alpha_sync", "beta_sync", "index_housekeeping"} <= {j.name for j in repo.get_all_jobs()}
    checks = {key.name for key in repo.asset_graph.asset_check_keys}
    assert checks == {"in_step_with_bucket", "source_in_step_with_bucket"}
