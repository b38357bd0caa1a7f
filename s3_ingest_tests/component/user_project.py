"""A fresh Dagster project made as a user makes one (`create-dagster project`), driven by `dg`
from this test environment's own Python (s3_ingest installed here): no new virtualenv, no
network installs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

BIN = Path(sys.executable).parent
COMPONENT_TYPE = "s3_ingest.component.S3SourceComponent"

# A user's asset downstream of a source's chunks, kept in step by declarative automation.
REPORT_ASSET = '''import dagster as dg


@dg.asset(
    deps=[dg.AssetKey(["handbook", "chunks"])],
    automation_condition=dg.AutomationCondition.eager(),
)
def handbook_report() -> None:
    """Whatever the project does with the handbook's passages."""
'''


# The project's own index under the shared key: it wins over the one s3_ingest would supply,
# and no source's YAML names it.
OWN_INDEX_MODULE = '''import dagster as dg

from s3_ingest.defs.resources.index import IndexResource


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(resources={"s3_ingest_index": IndexResource(url=%r)})
'''


class UserProject:
    def __init__(self, parent: Path, name: str, env: dict[str, str], bucket: str) -> None:
        self.root = parent / name
        self.bucket = bucket
        self.name = name
        self.src = self.root / "src"
        self.defs = self.src / name / "defs"
        self.env = {
            **env,
            "PATH": f"{BIN}{os.pathsep}{env.get('PATH', '')}",
            "VIRTUAL_ENV": str(BIN.parent),
            # The project is not installed: its package is found on the path, as an editable
            # install would put it.
            "PYTHONPATH": str(self.src),
            # No look-up of newer create-dagster releases on PyPI.
            "DAGSTER_DG_UPDATE_CHECK_ENABLED": "0",
        }
        self._run([str(BIN / "create-dagster"), "project", name, "--no-uv-sync"], cwd=parent)
        # dg's own telemetry off (it only logs locally, but a test leaves nothing behind).
        with (self.root / "pyproject.toml").open("a") as f:
            f.write("\n[tool.dg.cli.telemetry]\nenabled = false\n")

    def _run(self, command: list[str], cwd: Path | None = None,
             check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(command, cwd=cwd or self.root, env=self.env,
                                capture_output=True, text=True, timeout=240)
        if check:
            assert result.returncode == 0, f"{command}:\n{result.stdout}\n{result.stderr}"
        return result

    def dg(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return self._run([str(BIN / "dg"), *args], check=check)

    def s3_ingest(self, *args: str) -> subprocess.CompletedProcess[str]:
        return self._run([str(BIN / "s3-ingest"), *args])

    def scaffold_source(self, name: str, **params: str) -> Path:
        flags = [part for key, value in params.items()
                 for part in (f"--{key.replace('_', '-')}", value)]
        self.dg("scaffold", "defs", COMPONENT_TYPE, name, *flags)
        return self.defs / name / "defs.yaml"
