"""Text extraction from object bytes: plain text, Markdown, HTML, JSON, CSV, PDF and DOCX.

Dagster-free; `extract` never raises for bad content, it reports it as `metadata_only`.
"""

from .dispatch import extract
from .kinds import KINDS, kind_of
from .result import INDEXED, METADATA_ONLY, Extraction
from .sandbox import ExtractionSandbox

__all__ = ["INDEXED", "KINDS", "METADATA_ONLY", "Extraction", "ExtractionSandbox", "extract", "kind_of"]
