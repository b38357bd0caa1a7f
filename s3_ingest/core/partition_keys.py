"""Partitions of a source: one per top-level "folder" under its prefix, plus one for the objects
directly under the prefix.

A partition key is the folder name relative to the prefix, with its trailing slash (`reports/`),
or `(root)` for the loose objects; no folder key can equal `(root)` since folder keys end in `/`.
Characters Dagster refuses or reads specially in a key (`...`, control characters, `,`, `[`, `]`,
`|`) and `%` itself are percent-encoded, so any S3 folder name maps to a valid key and back.
"""

from __future__ import annotations

from urllib.parse import unquote

ROOT_PARTITION = "(root)"
_ENCODE = {c: f"%{ord(c):02X}" for c in "%,[]|"} | {chr(i): f"%{i:02X}" for i in range(32)} | {
    "\x7f": "%7F"
}


def encode_partition(folder: str) -> str:
    """`reports/` -> `reports/`; a name with odd characters is percent-encoded."""
    encoded = "".join(_ENCODE.get(c, c) for c in folder)
    return encoded.replace("...", "%2E%2E%2E")


def decode_partition(partition: str) -> str:
    """The folder (relative to the source prefix) a partition key stands for; "" for the root."""
    return "" if partition == ROOT_PARTITION else unquote(partition)


def partition_of(rel_path: str) -> str:
    """The partition a key (relative to the source prefix) belongs to."""
    head, sep, _ = rel_path.partition("/")
    return encode_partition(head + sep) if sep else ROOT_PARTITION
