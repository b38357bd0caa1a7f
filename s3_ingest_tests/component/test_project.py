"""Several sources in one project's defs folder, loaded as Dagster loads a project (a component
tree over a real defs folder): the same definitions as the standalone location, a project's own
resource in place of a shared one, names that follow each source's key_prefix, and one name
per source."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from dagster import DagsterInstance, Definitions
from dagster.components.testing.utils import create_defs_folder_sandbox

from s3_ingest.core.index.sqlite import SqliteIndex
from s3_ingest.core.sources.loader import parse_sources
from s3_ingest.definitions import build_definitions
from s3_ingest.defs.resources.embedder import LocalEmbedderResource
from s3_ingest.defs.resources.index import IndexResource
from s3_ingest_tests.component.definition_names import definition_names
from s3_ingest_tests.component.user_project import COMPONENT_TYPE, OWN_INDEX_MODULE
from s3_ingest_tests.defs.ingest.test_housekeeping import doc

HANDBOOK = {"name": "handbook", "bucket": "acme-docs", "prefix": "handbook/"}
WIKI = {"name": "wiki", "bucket": "acme-wiki", "sync_interval": "1m"}


def _project_defs(sources: dict[str, dict], files: dict[str, str] | None = None) -> Definitions:
    with create_defs_folder_sandbox() as sandbox:
        for folder, attributes in sources.items():
            (sandbox.defs_folder_path / folder).mkdir()
            (sandbox.defs_folder_path / folder / "defs.yaml").write_text(
                yaml.safe_dump({"type": COMPONENT_TYPE, "attributes": attributes}))
        for name, text in (files or {}).items():
            (sandbox.defs_folder_path / name).write_text(text)
        with sandbox.build_all_defs() as defs:
            Definitions.validate_loadable(defs)
            return defs


def test_two_components_hold_what_the_standalone_location_holds():
    project = definition_names(_project_defs({"handbook": HANDBOOK, "wiki": WIKI}))
    standalone = definition_names(
        build_definitions(parse_sources(yaml.safe_dump({"sources": [HANDBOOK, WIKI]}))))
    assert project == standalone
    assert {"index_housekeeping", "handbook_sync", "wiki_sync"} <= project["jobs"]
    assert "index_housekeeping_schedule" in project["schedules"]
    assert {"s3_ingest_index", "s3_ingest_embedder", "s3_wiki"} <= project["resources"]


def test_a_project_resource_of_a_shared_key_wins_without_touching_the_sources(tmp_path: Path):
    url = str(tmp_path / "team.db")
    defs = _project_defs({"handbook": HANDBOOK, "wiki": WIKI},
                         {"resources.py": OWN_INDEX_MODULE % url})
    index = defs.resources["s3_ingest_index"]
    assert isinstance(index, IndexResource) and index.url == url
    # The key the project leaves free still gets the shared default.
    assert isinstance(defs.resources["s3_ingest_embedder"], LocalEmbedderResource)


def test_every_name_of_a_source_follows_its_key_prefix():
    defs = _project_defs({
        "team_a_handbook": {**HANDBOOK, "key_prefix": ["team_a"]},
        "team_b_wiki": {**WIKI, "key_prefix": "team_b/docs"},
    })
    names = definition_names(defs)
    for placed, source in (("team_a", "handbook"), ("team_b_docs", "wiki")):
        assert f"{placed.replace('_docs', '/docs')}/{source}/documents" in names["assets"]
        assert {f"{placed}_{source}_sync", f"{placed}_{source}_drift"} <= names["jobs"]
        assert {f"{placed}_{source}_poll_sensor", f"{placed}_{source}_chunks_automation",
                f"{placed}_{source}_chunks_behind_sensor"} <= names["sensors"]
        assert f"{placed}_{source}_reconcile_schedule" in names["schedules"]
        assert f"s3_{placed}_{source}" in names["resources"]
    assert "index_housekeeping" in names["jobs"]


def test_two_sources_of_one_name_are_refused_though_their_keys_differ():
    """One project, one index, which files documents by source name: two `handbook`s would
    each delete the other's documents. As in a sources file, the second name is refused."""
    with pytest.raises(Exception) as raised:
        _project_defs({"team_a_handbook": {**HANDBOOK, "key_prefix": ["team_a"]},
                       "team_b_handbook": {**HANDBOOK, "key_prefix": ["team_b"]}})
    # Dagster names the file; the cause, the source and the field.
    assert "team_a_handbook" in str(raised.value)
    assert str(raised.value.__cause__).startswith(
        "S3SourceComponent: source 'handbook': field 'name': another source of this project "
        "(team_b/handbook) has this name")


def test_the_projects_housekeeping_knows_every_source_and_uses_the_projects_index(
    tmp_path: Path,
):
    url = str(tmp_path / "team.db")
    SqliteIndex(url).upsert([doc("handbook", "handbook/a/1.md", "a/"), doc("wiki", "b/1.md", "b/"),
                             doc("gone", "c/1.md", "c/")])
    defs = _project_defs({"handbook": HANDBOOK, "wiki": WIKI}, {"resources.py": OWN_INDEX_MODULE % url})
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("handbook_prefixes", ["a/"])
    instance.add_dynamic_partitions("wiki_prefixes", ["b/"])
    result = defs.resolve_job_def("index_housekeeping").execute_in_process(instance=instance)
    assert result.success
    # Only the source no component lists any more loses its documents.
    assert SqliteIndex(url).sources() == {"handbook": 1, "wiki": 1}
