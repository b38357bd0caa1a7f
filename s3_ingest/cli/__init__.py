"""The `s3-ingest` command line: demo, sync and search."""
