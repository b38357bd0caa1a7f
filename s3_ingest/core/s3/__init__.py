"""Talking to the store: the boto3 client of a source (client.py), the lazy ListObjectsV2
walker (listing.py) and the partitions its keys fall into (partition_keys.py), one
object's body or metadata (fetch.py) with its Content-Encoding undone under a bound
(content_encoding.py), and S3 failures as messages a user can act on (errors.py).

Stage 2 of 7 (sources, s3, extraction, index, plan, sync, retrieval): it may import itself, the
core's root modules (documents.py, stage_cpu.py) and the stages before it (sources/), never
extraction/, index/, plan/, sync/, retrieval/, and never defs/, cli/, serve/ or component/
(s3_ingest_tests/test_layout.py).
"""
