"""An index for the serve tests: 20 documents ranked in a known order for "kestrel" (document i
says it 20 - i times, in bodies of equal length), the ones at ranks 2, 9 and 17 under `team-a/`
(alice's), the rest under `other/`; an ACL that gives team-a/ to alice and everything else to
the staff group; and tokens for alice, staff and an outsider."""

from __future__ import annotations

import socket
from datetime import datetime, timezone
from pathlib import Path

from s3_ingest.core.documents import Document
from s3_ingest.core.index import open_index
from s3_ingest.core.index.principals import apply_acls
from s3_ingest.core.sources.acl import compiled, load_rules

ALICE_RANKS = (2, 9, 17)
ALICE_TOKEN = "alice-token-0123456789abcdef"
STAFF_TOKEN = "staff-token-0123456789abcdef"
OUTSIDER_TOKEN = "outsider-token-0123456789abc"
TOKENS_YAML = f"""tokens:
  "{ALICE_TOKEN}": {{user: alice}}
  "{STAFF_TOKEN}": {{user: bob, groups: [staff]}}
  "{OUTSIDER_TOKEN}": {{user: eve}}
"""
ACL = [
    {"keyPrefix": "", "aclEntries": [{"Name": "staff", "Type": "GROUP", "Access": "ALLOW"}]},
    {"keyPrefix": "s3://bucket-a/team-a/",
     "aclEntries": [{"Name": "alice", "Type": "USER", "Access": "ALLOW"}]},
]


def key_at(rank: int) -> str:
    return f"{'team-a' if rank in ALICE_RANKS else 'other'}/doc{rank:02d}.txt"


ALICE_KEYS = [key_at(rank) for rank in ALICE_RANKS]


def document(key: str, text: str, source: str = "docs") -> Document:
    return Document(
        source=source, bucket="bucket-a", key=key, rel_path=key, partition="p/",
        size=len(text), etag=f'"{key}"', last_modified=datetime(2024, 1, 1, tzinfo=timezone.utc),
        content_type="text/plain", title=None, text=text, status="indexed")


def ranked_documents() -> list[Document]:
    return [document(key_at(i), " ".join(["kestrel"] * (20 - i) + ["filler"] * i))
            for i in range(20)]


def acl_rules(rules: list[dict] | None = None) -> dict[str, list[str]]:
    return compiled(load_rules(rules or ACL, "bucket-a"), "bucket-a")  # type: ignore[arg-type]


def build_index(url: str, *, embedder=None, acl: bool = True) -> None:
    """The 20 documents with the ACL applied (unless not `acl`); chunked and embedded when given
    an embedder."""
    with open_index(url) as index:
        index.upsert(ranked_documents())
        if acl:
            apply_acls(index, {"docs": acl_rules()})
        if embedder is not None:
            from s3_ingest.core.retrieval.chunk_run import chunk_partition

            chunk_partition(index, "docs", "p/", embedder)


def write_tokens(directory: Path) -> Path:
    path = directory / "tokens.yaml"
    path.write_text(TOKENS_YAML, encoding="utf-8")
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def write_sources(directory: Path) -> Path:
    """A sources file naming the corpus's source, with its ACL inline."""
    import yaml

    path = directory / "sources.yaml"
    entry = {"name": "docs", "bucket": "bucket-a", "acl": ACL}
    path.write_text(yaml.safe_dump({"sources": [entry]}), encoding="utf-8")
    return path
