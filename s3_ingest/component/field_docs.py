"""What each attribute of a source means, shown where `dg` shows a component's schema
(`dg utils inspect-component --defs-yaml-schema`, `dg docs serve`) and in editors that read it.

The fields themselves are the sources file's (core/sources/model.py); these are their descriptions,
and the JSON types of the ones that take units (`20MB`, `5m`, `unlimited`).
"""

from __future__ import annotations

from typing import Any

FIELD_DOCS: dict[str, str] = {
    "name": "Names the source's assets, jobs, sensors and partitions, and its documents in the "
            "index: letters, digits and underscores, starting with a letter.",
    "bucket": "The bucket's bare name (no s3:// scheme, no slashes).",
    "prefix": "Only keys under this prefix are indexed; one Dagster partition per first-level "
              "folder under it.",
    "endpoint": "An S3-compatible endpoint (MinIO, R2, Spaces, Ceph); omit for AWS.",
    "region": "The bucket's region; `auto` for R2. Default: the usual AWS environment.",
    "use_ssl": "For an endpoint without a scheme: false means plain http.",
    "path_style": "Path-style addressing (MinIO and Ceph usually want it).",
    "credentials": "One of: access keys (NAMES of environment variables, never the secrets), a "
                   "profile, or anonymous; none means the default chain (an IAM role).",
    "extensions": "File extensions to index, case-insensitive, with or without the dot.",
    "include": "Globs on the key relative to the prefix; only matching keys are indexed.",
    "exclude": "Globs of keys to skip; a glob matches at any depth unless it starts with /, "
               "which anchors it at the prefix.",
    "max_file_size": "Larger objects are skipped and counted: bytes, or a size like 20MB.",
    "document_limit": "At most this many documents per source (default 10000); `unlimited` "
                      "lifts it.",
    "tags": "Static tags on every document, searchable.",
    "tag_regex": "Named groups of this RE2 pattern, matched on the key, become tags.",
    "fetch_concurrency": "Concurrent GETs per run.",
    "max_attempts": "botocore standard-mode retry attempts per request.",
    "extraction_timeout_seconds": "Seconds one document's text extraction may take.",
    "ocr": "OCR pdf pages without a text layer (needs the tesseract binary).",
    "connect_timeout": "Seconds to open a connection to the endpoint.",
    "read_timeout": "Seconds to wait for a response.",
    "sync_interval": "How often the poll sensor lists the bucket: seconds, or 30s, 5m, 4h. The "
                     "documents asset's freshness policy is derived from it.",
    "sensor_running": "Start the source's sensors and schedule running (default: stopped, "
                      "turned on in the UI).",
    "reconcile_cron": "When the full reconciliation of every partition runs (cron, UTC).",
    "sensor_budget_seconds": "Seconds one sensor tick may spend listing (under Dagster's 60 s).",
    "events": "An SQS queue receiving the bucket's event notifications: changes are picked up "
              "within seconds instead of at the next poll.",
    "owners": "Owners shown on the source's assets: emails or team:<name>.",
    "description": "Shown on the documents asset in the UI.",
    "key_prefix": "Asset keys become <key_prefix...>/<name>/documents (and chunks, bucket), "
                  "and the jobs, sensors, schedule, partitions and resources are named "
                  "<key_prefix_..._name>_sync and so on: a list, or parts joined with /.",
    "group_name": "The asset group in the UI (default: the source's name).",
    "acl": "Who may see the source's documents when served (s3-ingest serve, mcp): Amazon "
           "Kendra-style rules (keyPrefix, aclEntries) inline, or the path of a Kendra ACL JSON "
           "file. It mirrors that file, not S3's IAM. None: every authenticated caller.",
}

# The nested models' fields, by model name (pydantic's $defs).
NESTED_DOCS: dict[str, dict[str, str]] = {
    "Credentials": {
        "access_key_id_env": "The NAME of the environment variable holding the access key id.",
        "secret_access_key_env": "The NAME of the variable holding the secret access key.",
        "session_token_env": "The NAME of the variable holding a session token (optional).",
        "profile": "A profile of the AWS config files, instead of keys.",
        "anonymous": "Unsigned requests, for public buckets.",
    },
    "AclRule": {
        "keyPrefix": "Keys starting with this (or Kendra's s3://bucket/prefix); the longest "
                     "matching prefix wins.",
        "aclEntries": "The users and groups allowed or denied under the prefix.",
    },
    "AclEntry": {
        "Name": "The user's or group's name, as tokens name their principals.",
        "Type": "USER or GROUP.",
        "Access": "ALLOW (default) or DENY; a denial wins over an allowance.",
    },
    "EventsQueue": {
        "queue_url": "The SQS queue's URL.",
        "region": "The queue's region (default: the bucket's).",
        "endpoint": "An SQS-compatible endpoint; omit for AWS.",
        "max_messages_per_tick": "At most this many messages per sensor tick.",
    },
}

# Fields validated from friendlier spellings than their Python types say.
_JSON_TYPES: dict[str, dict[str, Any]] = {
    "max_file_size": {"anyOf": [{"type": "integer"}, {"type": "string"}]},
    "sync_interval": {"anyOf": [{"type": "integer"}, {"type": "string"}]},
    "document_limit": {"anyOf": [{"type": "integer"}, {"type": "string"}, {"type": "null"}]},
    "key_prefix": {"anyOf": [{"type": "array", "items": {"type": "string"}},
                             {"type": "string"}]},
}


def document_schema(schema: dict[str, Any]) -> None:
    """pydantic's json_schema_extra hook: descriptions and unit-friendly types, in place."""
    for name, prop in schema.get("properties", {}).items():
        if name in _JSON_TYPES:
            for key in ("type", "anyOf", "items"):
                prop.pop(key, None)
            prop.update(_JSON_TYPES[name])
        if name in FIELD_DOCS:
            prop.setdefault("description", FIELD_DOCS[name])


def document_nested(schema: dict[str, Any]) -> dict[str, Any]:
    """Descriptions for the nested models' fields, which the top model's hook cannot reach."""
    for model, docs in NESTED_DOCS.items():
        for name, prop in schema.get("$defs", {}).get(model, {}).get("properties", {}).items():
            prop.setdefault("description", docs.get(name, ""))
    return schema
