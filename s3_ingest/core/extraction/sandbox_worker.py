"""The parser worker process of `ExtractionSandbox`: a loop that extracts what its parent sends.

Started by sandbox.py as a fresh interpreter; it caps its own address space, watches its parent,
and answers each (key, content_type, options) plus bytes with the fields of an Extraction.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import re
import signal
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from .kinds import kind_of
from .result import Extraction, describe, metadata_only

# Messages between parent and worker (tuples, so nothing but builtins gets pickled).
READY, STARTUP_ERROR, RESULT = "ready", "startup-error", "result"
# How `failed()` phrases a MemoryError that an extractor caught itself.
_CAUGHT_MEMORY_ERROR = re.compile(r"^(\w+) extraction failed: MemoryError\b")


def worker_entry(argv: list[str]) -> None:
    fd, target, memory_limit_bytes = argv
    _worker_main(Connection(int(fd)), target, int(memory_limit_bytes))


def _worker_main(conn: Connection, target: str, memory_limit_bytes: int) -> None:
    """Loop of one worker: receive (key, content_type) and the bytes, send back the fields."""
    try:
        # Parser warnings about malformed input are expected here; keep them off stderr.
        logging.basicConfig(handlers=[logging.NullHandler()], force=True)
        # Ctrl-C reaches the whole process group; the parent decides what happens to workers.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        function = _resolve(target)
        _watch_parent(os.getppid())
        _limit_memory(memory_limit_bytes)
    except BaseException as exc:
        with contextlib.suppress(Exception):
            conn.send((STARTUP_ERROR, describe(exc), False))
        return
    conn.send((READY, None, False))

    while True:
        kind = "document"
        recycle = False
        try:
            key, content_type, options = conn.recv()
            kind = kind_of(key, content_type) or kind
            data = conn.recv_bytes()
            result = function(data, key, content_type, **options)
            del data
            fields: tuple[Any, ...] = _fields(result)
            if result.reason and _CAUGHT_MEMORY_ERROR.match(result.reason):
                fields, recycle = _over_memory(kind, memory_limit_bytes), True
            del result
        except EOFError:
            return  # the parent closed the pipe or exited
        except MemoryError:
            # Possibly mid-message on the pipe, and the heap may be fragmented: report, then quit.
            fields, recycle = _over_memory(kind, memory_limit_bytes), True
        except Exception as exc:  # a target that breaks the never-raises contract
            fields = _fields(metadata_only(f"{kind} extraction failed: {describe(exc)}"))
        try:
            conn.send((RESULT, fields, recycle))
        except (OSError, MemoryError):
            return
        if recycle:
            return


def _resolve(target: str) -> Callable[[bytes, str, str | None], Extraction]:
    module_name, _, attribute = target.partition(":")
    function: Any = importlib.import_module(module_name)
    for part in attribute.split("."):
        function = getattr(function, part)
    # Each parser is imported when the worker first meets its kind (dispatch.py): a worker that
    # only ever sees pdf and docx carries 48 MB, not the 78 MB of every format's parser. The
    # imports run under the memory limit, which leaves them room: every parser together takes
    # about 180 MB of address space, the smallest default limit 1,024 MB.
    return function


def _limit_memory(limit_bytes: int) -> None:
    import resource

    in_use = _address_space_bytes()
    if in_use is not None and in_use >= limit_bytes:
        raise MemoryError(
            f"memory_limit_mb={limit_bytes // 2**20} is below what the worker already uses "
            f"({in_use // 2**20} MB)"
        )
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    soft = limit_bytes if hard == resource.RLIM_INFINITY else min(limit_bytes, hard)
    resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def _address_space_bytes() -> int | None:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return None


def _watch_parent(parent_pid: int) -> None:
    """Exit when the parent is gone, even in the middle of a long parse.

    An idle worker sees EOF when its parent dies, and the sandbox kills its workers on close
    and at interpreter exit; this covers a busy worker whose parent was killed. A timer
    signal rather than a thread: a thread's stack and malloc arena would eat into RLIMIT_AS.
    """

    def check(signum: int, frame: object) -> None:
        if os.getppid() != parent_pid:
            os._exit(1)

    signal.signal(signal.SIGALRM, check)
    signal.setitimer(signal.ITIMER_REAL, 1.0, 1.0)


def _over_memory(kind: str, limit_bytes: int) -> tuple[Any, ...]:
    return _fields(metadata_only(f"{kind} extraction failed: over the memory limit ({limit_bytes // 2**20} MB)"))


def _fields(result: Extraction) -> tuple[Any, ...]:
    return (result.status, result.text, result.title, result.reason, dict(result.properties))
