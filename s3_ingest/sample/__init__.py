"""The bundled sample corpus and its sources file, used by `s3-ingest demo`."""

from pathlib import Path

SAMPLE_DIR = Path(__file__).parent
CORPUS_DIR = SAMPLE_DIR / "corpus"
SOURCES_FILE = SAMPLE_DIR / "sources.yaml"
BUCKET = "s3-ingest-sample"
# One object in an archive storage class, to show how archived objects are reported.
ARCHIVED_KEY = "archive/2019-audit-notes.txt"
