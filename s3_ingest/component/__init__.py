"""The registry module `dg` discovers through the `dagster_dg_cli.registry_modules` entry point:
`dg list components` shows S3SourceComponent once s3_ingest is installed."""

from s3_ingest.component.component import S3SourceComponent

__all__ = ["S3SourceComponent"]
