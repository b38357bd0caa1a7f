"""Deciding what changed and what to fetch: which listed objects a source selects
(selection.py) and its document_limit (document_limit.py); the scan that compares a
listing with the index, is_changed included (change_scan.py), and the S3 event
notifications that name changed keys (events.py); what changed in a partition, as its
run key names it (partition_changes.py), and the plan a run is handed
(partition_plan.py).

Stage 5 of 7 (sources, s3, extraction, index, plan, sync, retrieval): it may import itself, the
core's root modules (documents.py, stage_cpu.py) and the stages before it (sources/, s3/,
extraction/, index/), never sync/, retrieval/, and never defs/, cli/, serve/ or component/
(s3_ingest_tests/test_layout.py).
"""
