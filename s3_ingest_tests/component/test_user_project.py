"""s3_ingest added to a user's own Dagster project, as a user meets it: a fresh project from
`create-dagster`, sources scaffolded with `dg` (two, and a second team's under its own key
prefix), the project's own index in `defs/resources.py`, checked and listed (the
standalone location's definitions, no more, no fewer), one partition launched against moto's S3
server, searched, the user's own asset after the chunks kept in step by declarative
automation, and a bad field refused. About a minute on an idle machine (nine
`create-dagster`/`dg`/`s3-ingest` processes, one chunks run with the local embedder)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import yaml
from dagster import (
    AssetKey, DagsterInstance, evaluate_automation_conditions, load_from_defs_folder,
)

from s3_ingest.core.s3.partition_keys import encode_partition
from s3_ingest.core.sources.loader import parse_sources
from s3_ingest.definitions import build_definitions
from s3_ingest_tests.component.definition_names import definition_names
from s3_ingest_tests.component.user_project import (
    COMPONENT_TYPE, OWN_INDEX_MODULE, REPORT_ASSET, UserProject,
)
from s3_ingest_tests.conftest import KEY_ENV, SECRET_ENV, put_objects

HANDBOOK_KEY = "guide/welcome.md"
HANDBOOK_TEXT = "# Welcome\n\nEvery new starter gets a brass lantern on their first day.\n"


def _credentials(path: Path) -> None:
    """The credentials a user adds under the scaffolded fields: names of variables."""
    with path.open("a") as f:
        f.write(f"  region: us-east-1\n  credentials:\n    access_key_id_env: {KEY_ENV}\n"
                f"    secret_access_key_env: {SECRET_ENV}\n  max_attempts: 2\n")


@pytest.fixture
def project(tmp_path: Path, local_s3, bucket: str) -> UserProject:
    # The credentials' variables (conftest sets them) pass on; s3_ingest's and Dagster's own
    # settings are the project's.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("S3_INGEST_", "DAGSTER_"))}
    env |= {KEY_ENV: os.environ[KEY_ENV], SECRET_ENV: os.environ[SECRET_ENV],
            "S3_INGEST_INDEX_URL": str(tmp_path / "index.db"),
            "DAGSTER_HOME": str(tmp_path / "home")}
    (tmp_path / "home").mkdir()
    project = UserProject(tmp_path, "acme_data", env, bucket)
    for name in ("handbook", "wiki", "guide"):
        _credentials(project.scaffold_source(
            name, bucket=bucket, endpoint=local_s3.endpoint_url, path_style="true"))
    # A second team's source: its keys and every name under its own prefix.
    team_b = project.defs / "guide" / "defs.yaml"
    team_b.write_text(team_b.read_text() + '  prefix: "team_b/"\n  key_prefix: [team_b]\n')
    (project.defs / "report.py").write_text(REPORT_ASSET)
    (project.defs / "resources.py").write_text(OWN_INDEX_MODULE % str(tmp_path / "team.db"))
    return project


def _standalone_names(project: UserProject) -> dict[str, set[str]]:
    """What the standalone location makes of the project's sources, written as a sources file."""
    entries = [yaml.safe_load(path.read_text())["attributes"]
               for path in sorted(project.defs.glob("*/defs.yaml"))]
    return definition_names(build_definitions(parse_sources(yaml.safe_dump({"sources": entries}))))


def test_a_users_project_scaffolds_checks_lists_runs_automates_and_refuses_a_bad_field(
    project: UserProject, s3_client, monkeypatch, request
):
    # Installed, the component is listed with its summary.
    components = json.loads(project.dg("list", "components", "--json").stdout)["items"]
    assert {"key": COMPONENT_TYPE, "summary": "One S3 bucket prefix, kept in a searchable "
            "document index."} in components

    checked = project.dg("check", "defs")
    assert "All definitions loaded successfully" in checked.stdout + checked.stderr

    listed = json.loads(project.dg("list", "defs", "--json").stdout)
    assets = {a["asset_key"]: a for a in listed["assets"]}
    for source in ("handbook", "wiki", "team_b/guide"):
        assert {f"{source}/bucket", f"{source}/documents", f"{source}/chunks"} <= set(assets)
    assert assets["handbook/documents"]["kinds"] == ["s3", "sqlite"]
    assert assets["handbook_report"]["dependency_keys"] == ["handbook/chunks"]
    # What the standalone location holds for the same sources, and only that beside the
    # project's own asset: the housekeeping job and schedule included, every name of the
    # second team's source under its prefix.
    names = {
        "assets": set(assets) - {"handbook_report"},
        "checks": {f"{c['asset_key']}:{c['name']}" for c in listed["asset_checks"]},
        "jobs": {j["name"] for j in listed["jobs"]} - {"__ASSET_JOB"},
        "sensors": {s["name"] for s in listed["sensors"]} - {"default_automation_condition_sensor"},
        "schedules": {s["name"] for s in listed["schedules"]},
        "resources": {r["name"] for r in listed["resources"]},
    }
    assert names == _standalone_names(project)
    assert {"index_housekeeping", "team_b_guide_sync"} <= names["jobs"]
    assert "team_b_guide_poll_sensor" in names["sensors"]
    # One index (the project's own) and one embedder for every source.
    assert names["resources"] == {"s3_ingest_index", "s3_ingest_embedder", "s3_handbook",
                                  "s3_wiki", "s3_team_b_guide"}

    # The project's definitions in this process, for declarative automation's evaluations
    # (a first one records where the daemon's sensor would start from).
    for name, value in project.env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.syspath_prepend(str(project.src))
    defs = load_from_defs_folder(path_within_project=project.defs)
    instance = DagsterInstance.from_config(project.env["DAGSTER_HOME"])
    request.addfinalizer(instance.dispose)
    start = evaluate_automation_conditions(defs=defs, instance=instance)
    assert start.total_requested == 0

    # One partition of one source, launched as a run of its sync job against moto's server.
    put_objects(s3_client, project.bucket, {HANDBOOK_KEY: HANDBOOK_TEXT})
    partition = encode_partition("guide/")
    instance.add_dynamic_partitions("handbook_prefixes", [partition])
    project.dg("launch", "--job", "handbook_sync", "--partition", partition)
    # The run wrote to the project's index (defs/resources.py), not s3_ingest's default.
    team_index = str(project.root.parent / "team.db")
    found = project.s3_ingest("search", "brass lantern", "--json", "--source", "handbook",
                              "--index", team_index)
    assert [json.loads(line)["key"] for line in found.stdout.splitlines()] == [HANDBOOK_KEY]
    assert not Path(project.env["S3_INGEST_INDEX_URL"]).exists()

    # The sync job's run cut and embedded the partition's chunks too (issue 19's one
    # pipeline), so automation asks for no chunks run: the user's asset after them runs next.
    chunks, report = AssetKey(["handbook", "chunks"]), AssetKey(["handbook_report"])
    assert instance.get_latest_materialization_event(chunks) is not None
    first = evaluate_automation_conditions(defs=defs, instance=instance, cursor=start.cursor)
    assert first.get_num_requested(chunks) == 0
    assert first.get_num_requested(report) == 1
    job = defs.resolve_implicit_global_asset_job_def()
    assert job.execute_in_process(instance=instance, asset_selection=[report]).success
    assert instance.get_latest_materialization_event(report) is not None

    # A source whose YAML has a bad field: `dg check defs` fails, naming the file, the
    # component, the source and the field.
    wiki = project.defs / "wiki" / "defs.yaml"
    wiki.write_text(wiki.read_text().replace(f'bucket: "{project.bucket}"',
                                             f'bucket: "s3://{project.bucket}"'))
    failed = project.dg("check", "defs", check=False)
    output = failed.stdout + failed.stderr
    assert failed.returncode != 0
    assert ("S3SourceComponent: source 'wiki': field 'bucket': must be a bare bucket name"
            in output), output
    assert "defs/wiki/defs.yaml" in output
