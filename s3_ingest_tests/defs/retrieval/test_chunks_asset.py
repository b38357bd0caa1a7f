"""The chunks asset in Dagster: lineage bucket -> documents -> chunks, the same partitions, kept
in step by its automation condition, and what each materialization reports."""

from typing import Any

import pytest

from dagster import (
    AssetKey,
    ConfigurableResource,
    DagsterInstance,
    Definitions,
    evaluate_automation_conditions,
    materialize,
)

from s3_ingest.core.index import open_index
from s3_ingest.definitions import build_definitions
from s3_ingest.defs.ingest.assets import build_documents_asset
from s3_ingest.defs.ingest.partitions import prefix_partitions
from s3_ingest.defs.resources.index import INDEX_KEY, IndexResource
from s3_ingest.defs.resources.s3 import s3_resource_for, s3_resource_key
from s3_ingest.defs.retrieval.assets import build_chunks_asset
from s3_ingest.defs.retrieval.parquet import build_parquet_asset
from s3_ingest_tests.conftest import make_source, put_objects
from s3_ingest_tests.core.retrieval.fakes import HashingEmbedder
from s3_ingest.defs.resources.embedder import EMBEDDER_KEY


class FakeEmbedderResource(ConfigurableResource):
    model: str = "test/hashing"

    def embedder(self) -> Any:
        return HashingEmbedder(self.model)


def test_lineage_reads_bucket_documents_chunks(local_s3, bucket):
    source = make_source(local_s3.endpoint_url, bucket)
    defs = build_definitions([source])
    graph = defs.resolve_asset_graph()
    bucket_key, documents, chunks = (AssetKey(["docs", n]) for n in ("bucket", "documents",
                                                                       "chunks"))
    assert graph.get(chunks).parent_keys == {documents}
    assert graph.get(documents).parent_keys == {bucket_key}
    assert not graph.get(bucket_key).is_materializable  # external: the bucket changes itself
    assert graph.get(chunks).partitions_def == graph.get(documents).partitions_def
    assert graph.get(chunks).automation_condition is not None
    assert "docs_chunks_automation" in {s.name for s in defs.sensors}
    # Issue 19: the job every sensor, schedule, backfill and `sync` runs writes both.
    job = defs.resolve_job_def("docs_sync")
    assert set(job.asset_layer.selected_asset_keys) == {documents, chunks}


def test_a_documents_run_is_followed_by_its_chunks_run(local_s3, s3_client, bucket, tmp_path):
    source = make_source(local_s3.endpoint_url, bucket)
    put_objects(s3_client, bucket, {"a/one.md": "# One\nKestrels hover.", "b/two.md": "Owls."})
    documents, chunks = build_documents_asset(source), build_chunks_asset(source)
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions(prefix_partitions(source).name, ["a/", "b/"])
    resources = {INDEX_KEY: IndexResource(url=str(tmp_path / "index.db")),
                 s3_resource_key(source): s3_resource_for(source),
                 EMBEDDER_KEY: FakeEmbedderResource()}
    defs = Definitions(assets=[documents, chunks], resources=resources)

    def requested(cursor=None):
        result = evaluate_automation_conditions(defs=defs, instance=instance, cursor=cursor)
        runs = {(partition, key.to_user_string())
                for key in (AssetKey(["docs", "documents"]), AssetKey(["docs", "chunks"]))
                for partition in (result.get_requested_partitions(key) or set())}
        return runs, result.cursor

    runs, cursor = requested()
    assert runs == set()  # no documents yet: nothing to cut
    assert materialize([documents], partition_key="a/", instance=instance,
                       resources=resources).success
    runs, cursor = requested(cursor)
    assert runs == {("a/", "docs/chunks")}  # that partition, and only it
    result = materialize([chunks], partition_key="a/", instance=instance, resources=resources)
    assert result.success
    runs, cursor = requested(cursor)
    assert runs == set()  # in step until the documents change again

    [event] = result.asset_materializations_for_node(chunks.op.name)
    metadata = {k: getattr(v, "value", v) for k, v in event.metadata.items()}
    # Labelled in words, as the documents' metadata is.
    assert metadata["Chunks written"] == metadata["Chunks embedded"] == 1
    assert metadata["Chunks reused"] == metadata["Chunks deleted"] == 0
    assert metadata["Documents with text"] == metadata["Documents changed"] == 1
    assert metadata["Model"] == "test/hashing" and metadata["Dimension"] == 16
    assert metadata["Seconds"] >= 0 and metadata["Chunks per second"] >= 0
    assert metadata["dagster/row_count"] == metadata["Chunks in partition"] == 1
    assert "1 of 1 documents changed: 1 chunks written" in metadata["Summary"]
    with open_index(str(tmp_path / "index.db")) as index:
        assert index.chunk_count("docs", "a/") == 1 and index.chunk_count("docs", "b/") == 0


def test_parquet_export_is_off_by_default_and_one_line_turns_it_on(
        local_s3, s3_client, bucket, tmp_path, monkeypatch):
    import pyarrow.parquet as pq

    source = make_source(local_s3.endpoint_url, bucket)
    monkeypatch.delenv("S3_INGEST_PARQUET_DIR", raising=False)
    parquet_key = AssetKey(["docs", "parquet"])
    assert parquet_key not in build_definitions([source]).resolve_asset_graph().get_all_asset_keys()

    monkeypatch.setenv("S3_INGEST_PARQUET_DIR", str(tmp_path / "exports"))
    defs = build_definitions([source])
    assert defs.resolve_asset_graph().get(parquet_key).parent_keys == {
        AssetKey(["docs", "chunks"])}
    put_objects(s3_client, bucket, {"a/one.md": "# One\nKestrels hover.\n# Two\nOwls hunt."})
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions(prefix_partitions(source).name, ["a/"])
    resources = {INDEX_KEY: IndexResource(url=str(tmp_path / "index.db")),
                 s3_resource_key(source): s3_resource_for(source),
                 EMBEDDER_KEY: FakeEmbedderResource()}
    assets = [build_documents_asset(source), build_chunks_asset(source),
              build_parquet_asset(source, str(tmp_path / "exports"))]
    result = materialize(assets, partition_key="a/", instance=instance, resources=resources)
    assert result.success
    chunks = pq.read_table(tmp_path / "exports" / "docs" / "chunks").to_pylist()
    assert [(c["key"], c["position"], c["heading"], c["text"], c["partition"]) for c in chunks] == [
        ("a/one.md", 0, "One", "Kestrels hover.", "a/"),
        ("a/one.md", 1, "Two", "Owls hunt.", "a/")]  # readers decode the folder name
    assert all(len(c["embedding"]) == 16 and c["model"] == "test/hashing" for c in chunks)
    documents = pq.read_table(tmp_path / "exports" / "docs" / "documents").to_pylist()
    assert [d["key"] for d in documents] == ["a/one.md"]


@pytest.mark.postgres
def test_a_postgres_index_without_pgvector_is_named_at_load(local_s3, bucket, monkeypatch,
                                                            caplog):
    from s3_ingest_tests.postgres import fresh_database

    source = make_source(local_s3.endpoint_url, bucket)
    with fresh_database() as url:
        monkeypatch.setenv("S3_INGEST_INDEX_URL", url)
        with caplog.at_level("WARNING", logger="s3_ingest"):
            defs = build_definitions([source])
        description = defs.resolve_asset_graph().get(AssetKey(["docs", "chunks"])).description
        with open_index(url) as index:
            index.count()
            missing = index.vector_search_unavailable
    if missing:
        assert "pgvector" in description and "falls back to keyword" in description
        assert "pgvector extension is not installed" in caplog.text
    else:
        assert "NOTE" not in description and "pgvector" not in caplog.text


def test_the_endpoint_key_never_reaches_dagster(local_s3, s3_client, bucket, tmp_path,
                                               monkeypatch):
    from dagster import EnvVar

    from s3_ingest.defs.resources.embedder import HttpEmbedderResource
    from s3_ingest_tests.core.retrieval.test_http_embedder import SECRET, Endpoint

    endpoint = Endpoint()
    try:
        monkeypatch.setenv("TEST_EMBEDDINGS_KEY", SECRET)
        source = make_source(local_s3.endpoint_url, bucket)
        put_objects(s3_client, bucket, {"a/one.md": "# One\nKestrels hover."})
        documents, chunks = build_documents_asset(source), build_chunks_asset(source)
        instance = DagsterInstance.ephemeral()
        instance.add_dynamic_partitions(prefix_partitions(source).name, ["a/"])
        resources = {
            INDEX_KEY: IndexResource(url=str(tmp_path / "index.db")),
            s3_resource_key(source): s3_resource_for(source),
            EMBEDDER_KEY: HttpEmbedderResource(base_url=endpoint.url, model="m",
                                             api_key=EnvVar("TEST_EMBEDDINGS_KEY")),
        }
        assert materialize([documents], partition_key="a/", instance=instance,
                           resources=resources).success
        ok = materialize([chunks], partition_key="a/", instance=instance, resources=resources)
        assert ok.success and endpoint.requests[-1]["auth"] == f"Bearer {SECRET}"
        endpoint.script = [401]
        failed = materialize([chunks], partition_key="a/", instance=instance,
                             resources=resources, run_config={"ops": {chunks.op.name: {
                                 "config": {"full": True}}}}, raise_on_error=False)
        assert not failed.success
        seen = "\n".join(repr(event) for run in instance.get_runs()
                         for event in instance.all_logs(run.run_id))
        seen += "\n".join(repr(run.run_config) + repr(run.tags) for run in instance.get_runs())
        assert "HTTP 401" in seen  # the failure is there, and says what went wrong ...
        assert SECRET not in seen  # ... without the key
    finally:
        endpoint.server.shutdown()
