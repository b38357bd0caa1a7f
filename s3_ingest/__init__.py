"""s3_ingest: keep a searchable document index in step with S3 buckets, as a Dagster code location."""

__version__ = "0.2.0"
