"""`dg scaffold defs s3_ingest.component.S3SourceComponent handbook` writes
defs/handbook/defs.yaml: the required fields filled in (the name from the folder, the bucket from
--bucket or a placeholder), and the common optional ones as comments that say what they do."""

from __future__ import annotations

import json
import re

from dagster.components.component_scaffolding import scaffold_component
from dagster.components.scaffold.scaffold import Scaffolder, ScaffoldRequest
from pydantic import BaseModel, Field


class S3SourceScaffoldParams(BaseModel):
    bucket: str | None = Field(default=None, description="The bucket to index.")
    prefix: str | None = Field(default=None, description="Only keys under this prefix.")
    endpoint: str | None = Field(default=None, description="An S3-compatible endpoint URL.")
    region: str | None = Field(default=None, description="The bucket's region.")
    path_style: bool | None = Field(default=None, description="Path-style addressing.")


def source_name_for(folder: str) -> str:
    """The folder's name as a source name: letters, digits and underscores."""
    name = re.sub(r"[^A-Za-z0-9_]", "_", folder)
    return name if name[:1].isalpha() else f"s_{name}"


def _value(value: object) -> str:
    return json.dumps(value)  # a JSON scalar is valid YAML, quoted when it needs to be


def defs_yaml(type_name: str, name: str, params: S3SourceScaffoldParams) -> str:
    def line(field: str, value: object | None, example: str, comment: str) -> str:
        if value is None:
            return f"  # {field}: {example}".ljust(44) + f"# {comment}\n"
        return f"  {field}: {_value(value)}".ljust(44) + f"# {comment}\n"

    bucket = params.bucket or "my-bucket"
    return (
        f"type: {type_name}\n"
        "\n"
        "# One S3 source: its documents, chunks and bucket assets, the sync and drift jobs, the\n"
        "# poll sensor, the reconcile schedule and the drift checks. Fields are those of an\n"
        "# entry of s3_ingest's sources file; `dg check defs` validates them.\n"
        "attributes:\n"
        f"  name: {name}".ljust(44) + "# names the assets (<name>/documents) and jobs\n"
        f"  bucket: {_value(bucket)}".ljust(44) + "# required: the bare bucket name\n"
        + line("prefix", params.prefix, "handbook/", "only keys under it; a partition per folder")
        + line("endpoint", params.endpoint, "http://127.0.0.1:9000", "MinIO, R2, Ceph; omit for AWS")
        + line("region", params.region, "eu-west-1", "`auto` for R2")
        + line("path_style", params.path_style, "true", "MinIO and Ceph usually want it")
        + "  # credentials:                            # names of variables, never secrets\n"
        "  #   access_key_id_env: MY_S3_KEY_ID\n"
        "  #   secret_access_key_env: MY_S3_SECRET\n"
        "  # extensions: [md, pdf, docx]              # default: every supported kind\n"
        "  # exclude: [\"drafts/**\"]\n"
        "  # sync_interval: 5m                        # poll sensor; sets the freshness policy\n"
        "  # sensor_running: true                     # start sensors and schedule running\n"
        "  # owners: [\"team:docs\"]                    # shown on the assets\n"
        "  # key_prefix: [docs]                       # keys become docs/<name>/documents\n"
        "  # group_name: documents                    # the UI's asset group\n"
    )


class S3SourceScaffolder(Scaffolder[S3SourceScaffoldParams]):
    @classmethod
    def get_scaffold_params(cls) -> type[S3SourceScaffoldParams]:
        return S3SourceScaffoldParams

    def scaffold(self, request: ScaffoldRequest[S3SourceScaffoldParams]) -> None:
        if request.scaffold_format != "yaml" or request.append:
            scaffold_component(request, {"name": source_name_for(request.target_path.name),
                                         "bucket": request.params.bucket or "my-bucket"})
            return
        text = defs_yaml(request.type_name, source_name_for(request.target_path.name),
                         request.params or S3SourceScaffoldParams())
        (request.target_path / "defs.yaml").write_text(text, encoding="utf-8")
