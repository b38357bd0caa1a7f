"""The environment a parser worker starts with: what an interpreter, its numeric libraries and
tesseract need, and nothing else - no credential, token or index URL. A worker only parses bytes;
if a hostile file ever got code to run there, it would find no secret to take."""

from __future__ import annotations

import os
from collections.abc import Mapping

# Names a worker may inherit; everything else (AWS_*, S3_INGEST_*, DAGSTER_*, *_TOKEN, ...) stays
# behind.
_KEEP = {"PATH", "HOME", "LANG", "LANGUAGE", "TZ", "TMPDIR", "TEMP", "TMP", "PYTHONPATH",
         "PYTHONHOME", "PYTHONIOENCODING", "PYTHONUTF8", "VIRTUAL_ENV", "TESSDATA_PREFIX",
         "SYSTEMROOT"}
# Thread and CPU settings of numeric libraries (OpenBLAS needs OPENBLAS_CORETYPE on some CPUs).
_KEEP_PREFIXES = ("LC_", "OPENBLAS_", "OMP_", "MKL_")


def worker_env(environ: Mapping[str, str] | None = None,
               extra: Mapping[str, str] | None = None) -> dict[str, str]:
    source = os.environ if environ is None else environ
    kept = {k: v for k, v in source.items() if k in _KEEP or k.startswith(_KEEP_PREFIXES)}
    return kept | dict(extra or {})
