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


_TABLE = str.maketrans(_ENCODE)
# Every key of a scan asks for its partition, and a bucket has few folders: each folder's
# encoding is worked out once (bounded, so a bucket of many folders cannot grow it without end).
_PARTITIONS: dict[str, str] = {}
_PARTITIONS_MAX = 65_536


def encode_partition(folder: str) -> str:
    """`reports/` -> `reports/`; a name with odd characters is percent-encoded."""
    return folder.translate(_TABLE).replace("...", "%2E%2E%2E")


def decode_partition(partition: str) -> str:
    """The folder (relative to the source prefix) a partition key stands for; "" for the root."""
    return "" if partition == ROOT_PARTITION else unquote(partition)


def partition_of(rel_path: str) -> str:
    """The partition a key (relative to the source prefix) belongs to."""
    slash = rel_path.find("/")
    if slash < 0:
        return ROOT_PARTITION
    folder = rel_path[: slash + 1]
    partition = _PARTITIONS.get(folder)
    if partition is None:
        if len(_PARTITIONS) >= _PARTITIONS_MAX:
            _PARTITIONS.clear()
        partition = _PARTITIONS[folder] = encode_partition(folder)
    return partition
