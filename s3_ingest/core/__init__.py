"""The Dagster-free core, one subpackage per pipeline stage:

- sources/: the sources file - each source's configuration and its loading;
- s3/: talking to the store - client, listing, fetching bodies, S3 errors;
- extraction/: object bytes to text, per format, in the parser sandbox;
- index/: the documents and chunks store behind one interface (SQLite or PostgreSQL);
- plan/: deciding what changed and what to fetch - selection, scans, events, the plan;
- sync/: executing a plan - the one ingest executor, housekeeping, reconcile;
- retrieval/: chunks cut, embedded and searched.

documents.py (the values that flow through an ingest) and stage_cpu.py (CPU by stage of a run)
are shared by every stage. A module imports only from its own stage, the stages listed before
it and those two, never from a later stage; nothing here imports Dagster or s3_ingest's defs/,
cli/, serve/ or component/, so each piece can be driven from plain unit tests
(s3_ingest_tests/test_layout.py holds the direction).
"""
