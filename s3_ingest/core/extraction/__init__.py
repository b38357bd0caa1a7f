"""Text extraction from object bytes: text, Markdown, HTML, JSON, CSV, XML, PDF (with OCR), office
documents (docx, pptx, xlsx, xls, OpenDocument, rtf), epub and eml.

Dagster-free; `extract` never raises for bad content, it reports it as `metadata_only`.

Stage 3 of 7 (sources, s3, extraction, index, plan, sync, retrieval): it may import itself, the
core's root modules (documents.py, stage_cpu.py) and the stages before it (sources/, s3/), never
index/, plan/, sync/, retrieval/, and never defs/, cli/, serve/ or component/
(s3_ingest_tests/test_layout.py).
"""

from .detect import detect_kind, worth_fetching
from .dispatch import extract
from .kinds import KINDS, kind_of
from .result import INDEXED, METADATA_ONLY, Extraction
from .sandbox import ExtractionSandbox

__all__ = [
    "INDEXED", "KINDS", "METADATA_ONLY", "Extraction", "ExtractionSandbox", "detect_kind", "extract",
    "kind_of", "worth_fetching",
]  # fmt: skip
