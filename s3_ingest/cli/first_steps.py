"""What the command line tells a newcomer to do next: after the demo, when there is no index
yet, and when the sources file is the demo's (whose S3 endpoint runs only inside the demo).

Each message gives the exact command to type, so nobody has to guess a path or an option.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pydantic and yaml would cost `search`, which reads no sources file, 0.25 s
    from s3_ingest.core.sources.model import Source

DEMO_INDEX = Path(".s3_ingest") / "demo" / "index.db"
# The demo's sources name these credentials variables; only the demo sets them.
DEMO_CREDENTIALS_PREFIX = "S3_INGEST_DEMO_"

STARTER_SOURCES = """\
sources:
  - name: my_docs                       # names the Dagster asset: letters, digits, underscores
    bucket: my-bucket
    region: eu-west-1                   # or endpoint: http://minio:9000 and path_style: true
    credentials:                        # names of environment variables, never the secrets
      access_key_id_env: MY_S3_KEY_ID
      secret_access_key_env: MY_S3_SECRET"""


def own_sources_steps(indent: str = "  ") -> list[str]:
    """How to start a sources file of one's own and sync it."""
    example = Path("sources.example.yaml")
    lines = [f"{indent}1. write my-sources.yaml"
             + (" (sources.example.yaml here has AWS, MinIO and R2 examples):"
                if example.exists() else ":")]
    lines += [f"{indent}     {line}" for line in STARTER_SOURCES.splitlines()]
    lines += [
        f"{indent}2. export MY_S3_KEY_ID=... MY_S3_SECRET=...",
        f"{indent}3. s3-ingest sync --sources my-sources.yaml   (or export "
        "S3_INGEST_SOURCES=my-sources.yaml)",
        f'{indent}4. s3-ingest search "your question"',
    ]
    return lines


def demo_next_steps(index: Path, query: str) -> list[str]:
    """The demo's last words: how to search what it built, and how to start on one's own."""
    return [
        "",
        "next steps:",
        "  search the demo's index (the endpoint is gone, the index stays):",
        f"    s3-ingest search {shlex.quote(query)} --index {shlex.quote(str(index))}",
        "  index a bucket of your own:",
        *own_sources_steps("    "),
    ]


def no_index_message(path: str, command: Sequence[str]) -> str:
    """An index that does not exist yet: the demo's, if there is one here (with `command`, the
    words typed, to run on it), or how to make one."""
    if command and Path(path).expanduser() != DEMO_INDEX and DEMO_INDEX.exists():
        typed = " ".join(shlex.quote(word) for word in ("s3-ingest", *command))
        return (f"no index at {path} yet; the demo's index is at {DEMO_INDEX}: "
                f"{typed} --index {DEMO_INDEX}  (or run `s3-ingest sync` on a sources file "
                "of your own first)")
    return (f"no index at {path}: run `s3-ingest sync` first (or `s3-ingest demo` to try the "
            "bundled sample)")


def only_demo_sources(sources: Sequence[Source]) -> bool:
    """Whether every source is the demo's and the demo's variables are not set: outside the
    demo, its endpoint does not run."""
    if not sources:
        return False
    for source in sources:
        unset = source.credentials.unset_variables()
        if not unset or not all(name.startswith(DEMO_CREDENTIALS_PREFIX) for name in unset):
            return False
    return True


def demo_sources_message(path: str) -> str:
    return "\n".join([
        f"error: {path} is the demo's sources file: its S3 endpoint runs only inside "
        "`s3-ingest demo`.",
        "To index a bucket of your own:",
        *own_sources_steps(),
    ])
