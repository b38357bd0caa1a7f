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


def _row(text: str, comment: str) -> str:
    return f"{text:<42}# {comment}\n"


def defs_yaml(type_name: str, name: str, params: S3SourceScaffoldParams) -> str:
    def optional(field: str, value: object | None, example: str, comment: str) -> str:
        if value is None:
            return _row(f"  # {field}: {example}", comment)
        return _row(f"  {field}: {_value(value)}", comment)

    return "".join([
        f"type: {type_name}\n\n",
        "# One S3 source: its bucket, documents and chunks assets, the sync and drift jobs, the\n",
        "# poll sensor, the reconcile schedule and the drift checks. The attributes are those of\n",
        "# an entry of s3_ingest's sources file; `dg check defs` validates them.\n",
        "attributes:\n",
        _row(f"  name: {name}", "names the assets (<name>/documents) and jobs"),
        _row(f"  bucket: {_value(params.bucket or 'my-bucket')}", "required: the bare name"),
        optional("prefix", params.prefix, "handbook/", "only keys under it"),
        optional("endpoint", params.endpoint, "http://127.0.0.1:9000", "MinIO, R2; omit for AWS"),
        optional("region", params.region, "eu-west-1", "`auto` for R2"),
        optional("path_style", params.path_style, "true", "MinIO and Ceph usually want it"),
        _row("  # credentials:", "NAMES of variables, never secrets"),
        "  #   access_key_id_env: MY_S3_KEY_ID\n",
        "  #   secret_access_key_env: MY_S3_SECRET\n",
        _row("  # extensions: [md, pdf, docx]", "default: every supported kind"),
        _row('  # exclude: ["drafts/**"]', "globs relative to the prefix"),
        _row("  # sync_interval: 5m", "poll sensor; sets the freshness policy"),
        _row("  # sensor_running: true", "start its sensors and schedule"),
        _row('  # owners: ["team:docs"]', "shown on the assets"),
        _row("  # key_prefix: [docs]", "docs/<name>/documents, docs_<name>_sync"),
        _row("  # group_name: documents", "the UI's asset group"),
    ])


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
