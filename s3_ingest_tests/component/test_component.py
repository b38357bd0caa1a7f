"""The component in-process, alone: the same definitions as the sources file, the same
messages, keys that can be placed, and Dagster-native health. (In a project of several:
test_project.py.)"""

from __future__ import annotations

from datetime import timedelta

import pytest
import yaml
from dagster import AssetKey, Definitions
from dagster.components.testing.utils import component_defs
from pydantic import ValidationError

from s3_ingest.component import S3SourceComponent
from s3_ingest.component.model import S3SourceAttributes
from s3_ingest.component.scaffolder import S3SourceScaffoldParams, defs_yaml, source_name_for
from s3_ingest.core.sources.loader import parse_sources
from s3_ingest.definitions import build_definitions
from s3_ingest_tests.component.definition_names import definition_names

HANDBOOK = {"name": "handbook", "bucket": "acme-docs", "prefix": "handbook/",
            "sync_interval": "10m", "owners": ["team:docs"]}


def test_a_component_builds_what_the_sources_file_builds():
    placed = {**HANDBOOK, "key_prefix": ["docs"], "group_name": "documents"}
    component = S3SourceComponent.from_attributes_dict(attributes=placed)
    from_yaml = definition_names(component_defs(component=component))
    from_file = definition_names(build_definitions(parse_sources(yaml.safe_dump({"sources": [placed]}))))
    assert from_yaml == from_file
    assert {"docs/handbook/documents", "docs/handbook/chunks", "docs/handbook/bucket"} \
        == from_yaml["assets"]
    assert {"index_housekeeping", "docs_handbook_sync"} <= from_yaml["jobs"]


@pytest.mark.parametrize(("attributes", "message"), [
    ({"name": "wiki", "bucket": "s3://wiki"},
     "S3SourceComponent: source 'wiki': field 'bucket': must be a bare bucket name"),
    ({"name": "wiki", "bucket": "b", "colour": "blue"},
     "S3SourceComponent: source 'wiki': field 'colour': unknown field"),
    ({"name": "wiki"}, "S3SourceComponent: source 'wiki': field 'bucket': is required"),
    ({"name": "wiki", "bucket": "b", "tag_regex": "(x"},
     "S3SourceComponent: source 'wiki': field 'tag_regex': does not compile"),
    ({"name": "wiki", "bucket": "${S3_INGEST_TEST_UNSET_BUCKET}"},
     "S3SourceComponent: source 'wiki': field 'bucket': environment variable "
     "S3_INGEST_TEST_UNSET_BUCKET is not set"),
    ({"name": "wiki", "bucket": "b", "key_prefix": "team a"},
     "S3SourceComponent: source 'wiki': field 'key_prefix': 'team a' is not an asset key part"),
])
def test_bad_attributes_are_refused_naming_component_source_and_field(attributes, message):
    with pytest.raises(ValidationError) as raised:
        S3SourceComponent.from_attributes_dict(attributes=attributes)
    assert message in str(raised.value)


def test_variables_are_expanded_as_in_a_sources_file(monkeypatch):
    monkeypatch.setenv("S3_INGEST_TEST_BUCKET", "from-env")
    attributes = S3SourceAttributes.model_validate(
        {"name": "wiki", "bucket": "${S3_INGEST_TEST_BUCKET}", "document_limit": "${N:-50}"})
    assert (attributes.bucket, attributes.document_limit) == ("from-env", 50)


def test_key_prefix_and_group_place_every_asset_and_the_jobs_follow():
    component = S3SourceComponent.from_attributes_dict(
        attributes={**HANDBOOK, "key_prefix": "team_a/docs", "group_name": "team_a_docs"})
    defs = component_defs(component=component)
    repo = defs.get_repository_def()
    keys = {k.to_user_string() for k in repo.asset_graph.get_all_asset_keys()}
    assert keys == {"team_a/docs/handbook/bucket", "team_a/docs/handbook/documents",
                    "team_a/docs/handbook/chunks"}
    assert {repo.asset_graph.get(k).group_name for k in repo.asset_graph.get_all_asset_keys()} \
        == {"team_a_docs"}
    sync = defs.resolve_job_def("team_a_docs_handbook_sync")
    assert sync.asset_layer.selected_asset_keys == {
        AssetKey(["team_a", "docs", "handbook", "documents"]),
        AssetKey(["team_a", "docs", "handbook", "chunks"])}
    # Every other name follows the prefix too: a second team's `handbook` loads beside it
    # (test_project.py).
    names = definition_names(defs)
    assert names["sensors"] == {"team_a_docs_handbook_poll_sensor",
                                "team_a_docs_handbook_chunks_automation",
                                "team_a_docs_handbook_chunks_behind_sensor"}
    assert names["schedules"] == {"team_a_docs_handbook_reconcile_schedule",
                                  "index_housekeeping_schedule"}
    assert "s3_team_a_docs_handbook" in names["resources"]
    documents = repo.asset_graph.get(AssetKey(["team_a", "docs", "handbook", "documents"]))
    assert documents.partitions_def.name == "team_a_docs_handbook_prefixes"
    assert documents.tags["s3_ingest/source"] == "team_a_docs_handbook"


def _documents(attributes: dict):
    defs = component_defs(component=S3SourceComponent.from_attributes_dict(attributes=attributes))
    return defs.get_repository_def().asset_graph.get(AssetKey([attributes["name"], "documents"]))


def test_the_documents_asset_is_fresh_for_a_reconcile_period_plus_sensor_intervals():
    policy = _documents(HANDBOOK).freshness_policy
    assert policy.fail_window.to_timedelta() == timedelta(days=1, minutes=30)
    assert policy.warn_window.to_timedelta() == timedelta(days=1, minutes=10)
    weekly = _documents({**HANDBOOK, "reconcile_cron": "0 3 * * 0", "sync_interval": "1h"})
    assert weekly.freshness_policy.fail_window.to_timedelta() == timedelta(days=7, hours=3)


def test_assets_carry_kinds_and_owners(monkeypatch):
    documents = _documents(HANDBOOK)
    assert documents.kinds == {"s3", "sqlite"} and documents.owners == ["team:docs"]
    monkeypatch.setenv("S3_INGEST_INDEX_URL", "postgresql://user@127.0.0.1:1/none")
    assert _documents(HANDBOOK).kinds == {"s3", "postgres"}


def test_the_scaffolded_yaml_is_a_valid_component_with_its_folder_name():
    name = source_name_for("team-handbook")
    text = defs_yaml("s3_ingest.component.S3SourceComponent", name,
                     S3SourceScaffoldParams(bucket="acme-docs", path_style=True))
    document = yaml.safe_load(text)
    assert document["type"] == "s3_ingest.component.S3SourceComponent"
    source = S3SourceAttributes.model_validate(document["attributes"])
    assert (source.name, source.bucket, source.path_style) == ("team_handbook", "acme-docs", True)
    assert "# credentials:" in text and "# sync_interval:" in text


def test_the_schema_documents_every_attribute_and_accepts_units():
    schema = S3SourceAttributes.model_json_schema()
    models = [schema, *schema["$defs"].values()]
    undocumented = [name for model in models for name, prop in model["properties"].items()
                    if not prop.get("description")]
    assert undocumented == []
    assert {"type": "string"} in schema["properties"]["max_file_size"]["anyOf"]
    assert schema["required"] == ["name", "bucket"]
