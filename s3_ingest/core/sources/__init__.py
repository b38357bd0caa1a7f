"""The sources file: a source's configuration model and its validation (model.py), reading
the file with ${VAR} interpolation and messages that name the source and the field
(loader.py), and a source's Kendra-style access list (acl.py).

Stage 1 of 7 (sources, s3, extraction, index, plan, sync, retrieval): it may import itself, the
core's root modules (documents.py, stage_cpu.py), never s3/, extraction/, index/, plan/, sync/,
retrieval/, and never defs/, cli/, serve/ or component/ (s3_ingest_tests/test_layout.py).
"""
