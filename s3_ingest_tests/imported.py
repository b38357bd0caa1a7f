"""Which modules a piece of code imports, run in a fresh interpreter (this one has them all)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterable


def imported_after(code: str, modules: Iterable[str]) -> list[str]:
    """Those of `modules` that are in sys.modules once `code` has run."""
    probe = (f"{code}\nimport json, sys\n"
             f"print(json.dumps(sorted(m for m in {sorted(modules)!r} if m in sys.modules)))")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])
