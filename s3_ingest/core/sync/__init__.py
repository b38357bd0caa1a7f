"""Executing a plan: the plan as pages of listed objects and index entries
(plan_pages.py), the one ingest executor with a document's tags (ingest.py), its
options and report (ingest_report.py) and the parser workers every run shares
(parser_pool.py); removing what the configuration no longer covers (housekeeping.py)
and comparing a partition of the index with its bucket (reconcile.py).

Stage 6 of 7 (sources, s3, extraction, index, plan, sync, retrieval): it may import itself, the
core's root modules (documents.py, stage_cpu.py) and the stages before it (sources/, s3/,
extraction/, index/, plan/), never retrieval/, and never defs/, cli/, serve/ or component/
(s3_ingest_tests/test_layout.py).
"""
