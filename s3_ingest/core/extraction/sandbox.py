"""`ExtractionSandbox`: run the binary-format parsers in worker processes with time and memory limits.

A hostile PDF can keep pypdf busy for minutes or make it allocate gigabytes, and a Python
thread cannot be interrupted. So PDF, office, ebook, mail, RTF and XML bytes are handed to
long-lived worker processes:
fresh interpreters, as with multiprocessing's "spawn" (the caller is multi-threaded, so never a
plain fork), talking over a multiprocessing Connection. Each worker caps its own address space
with RLIMIT_AS, which turns a memory bomb into a MemoryError inside the worker; a worker that
takes longer than the time limit is killed and replaced. The other kinds are cheap and already
bounded by the object size, so they are extracted in the caller's thread.

    with ExtractionSandbox(workers=2, timeout_s=30, memory_limit_mb=1024) as sandbox:
        result = sandbox.extract(body, key, content_type)

Like `extract`, `ExtractionSandbox.extract` never raises for bad content.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import weakref
from multiprocessing.connection import Connection
from typing import Any

from .detect import detect_kind
from .dispatch import extract
from .kinds import KINDS
from .result import Extraction, metadata_only
from .sandbox_worker import READY, RESULT
from .text_families import TEXT_FAMILIES
from .worker_env import worker_env

__all__ = ["SANDBOXED_KINDS", "ExtractionSandbox"]

# Kinds whose parsers chew on untrusted binary structure, XML or nested parts (and OCR);
# the plain-text kinds are cheap, bounded by the object size, and stay in-process.
IN_PROCESS_KINDS = frozenset({"txt", "md", "html", "json", "csv", *TEXT_FAMILIES})
SANDBOXED_KINDS = frozenset(KINDS) - IN_PROCESS_KINDS

_DEFAULT_TARGET = "s3_ingest.core.extraction.dispatch:extract"
# A worker has this long to import its parsers and report ready (not counted in timeout_s).
_STARTUP_TIMEOUT_S = 120.0
# openpyxl imports numpy, whose OpenBLAS starts a thread pool: each thread's stack eats into
# RLIMIT_AS, and a worker with threads still holds its pipe open for a moment after its main
# thread is reported dead. One thread it is.
_SINGLE_THREADED = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
# Grace given to a worker between SIGTERM and SIGKILL, and after SIGKILL.
_KILL_GRACE_S = 2.0
# Another worker (another interpreter, ~50 MB) starts only when every running one has stayed
# busy this long: a partition with a few pdfs is served by one.
_GROW_AFTER_S = 2.0


class ExtractionSandbox:
    """Extract PDF and DOCX text in worker processes under a time and memory limit.

    workers: how many extractions can run at once (callers beyond that wait for a free worker).
    timeout_s: wall-clock limit of one extraction; the worker is killed and replaced past it.
    memory_limit_mb: address-space limit (RLIMIT_AS) of each worker process as a whole,
        interpreter and parser libraries included (about 180 MB of address space with every
        format's parser loaded).
    _target: "module:function" run in the worker instead of `extract`; for tests.

    Workers start lazily, one at a time (_GROW_AFTER_S). Thread-safe. `close()` (or leaving
    the `with` block) kills them; it is idempotent, and `extract` raises RuntimeError afterwards.
    Workers do not outlive the parent: they are killed at interpreter exit too, an idle worker exits
    when its pipe closes, and a busy one checks once a second that its parent is alive.
    Each worker holds the object's bytes while parsing, so memory_limit_mb must leave room
    for a few times the largest object fetched.
    """

    def __init__(
        self,
        workers: int = 2,
        timeout_s: float = 30.0,
        memory_limit_mb: int = 1024,
        *,
        _target: str = _DEFAULT_TARGET,
    ) -> None:
        if workers < 1:
            raise ValueError(f"workers must be at least 1, got {workers}")
        if not timeout_s > 0:
            raise ValueError(f"timeout_s must be positive, got {timeout_s}")
        if memory_limit_mb < 1:
            raise ValueError(f"memory_limit_mb must be positive, got {memory_limit_mb}")
        if ":" not in _target:
            raise ValueError(f"_target must be 'module:function', got {_target!r}")
        self.workers = workers
        self.timeout_s = float(timeout_s)
        self.memory_limit_mb = memory_limit_mb
        self._pool = _Pool(workers, _target, memory_limit_mb * 1024 * 1024)
        self._finalizer = weakref.finalize(self, self._pool.close)

    def extract(
        self, data: bytes, key: str, content_type: str | None = None, *, ocr: bool = False
    ) -> Extraction:
        """Same contract as `extract`: text and title, never raises for bad content."""
        if self._pool.closed:
            raise RuntimeError("ExtractionSandbox is closed")
        kind = detect_kind(data, key, content_type).kind
        if kind not in SANDBOXED_KINDS:
            return extract(data, key, content_type)
        # Only options that differ from the defaults travel, so test targets need not take them.
        options = {"ocr": True} if ocr else {}
        return self._pool.run(kind, data, key, content_type, options, self.timeout_s)

    def worker_pids(self) -> list[int]:
        """Pids of the worker processes currently running (for diagnostics and tests)."""
        return self._pool.pids()

    def close(self) -> None:
        """Kill every worker. Idempotent; extractions in flight raise RuntimeError."""
        self._finalizer()

    @property
    def closed(self) -> bool:
        return self._pool.closed

    def __enter__(self) -> ExtractionSandbox:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return (
            f"ExtractionSandbox(workers={self.workers}, timeout_s={self.timeout_s:g}, "
            f"memory_limit_mb={self.memory_limit_mb}{', closed' if self.closed else ''})"
        )


class _Worker:
    """One slot of the pool: a worker process and the parent's end of its pipe (or none yet)."""

    def __init__(self, number: int) -> None:
        self.number = number
        self.process: subprocess.Popen[bytes] | None = None
        self.conn: Connection | None = None
        self.ready = False


class _Pool:
    """The worker slots; a slot is borrowed by one caller thread at a time."""

    def __init__(self, size: int, target: str, memory_limit_bytes: int) -> None:
        self._target = target
        self._memory_limit_bytes = memory_limit_bytes
        self._lock = threading.Lock()  # guards `closed` and process starts/stops against close()
        self.closed = False
        self._slots = [_Worker(number) for number in range(size)]
        self._idle = list(self._slots)  # free slots, running or not
        self._freed = threading.Condition(self._lock)

    # -- one extraction -------------------------------------------------------------------

    def run(
        self, kind: str, data: bytes, key: str, content_type: str | None, options: dict[str, Any],
        timeout_s: float,
    ) -> Extraction:
        slot = self._borrow()
        try:
            return self._run_on(slot, kind, data, key, content_type, options, timeout_s)
        finally:
            self._give_back(slot)

    def _run_on(
        self, slot: _Worker, kind: str, data: bytes, key: str, content_type: str | None,
        options: dict[str, Any], timeout_s: float,
    ) -> Extraction:
        message: Any = None
        for attempt in range(2):
            self._ensure_ready(slot)
            conn = slot.conn
            assert conn is not None
            try:
                conn.send((key, content_type, options))
                conn.send_bytes(data)
                break
            except OSError:
                # Either the worker gave up part-way through the bytes (out of memory) and said
                # why, or it died while idle (killed from outside) and never saw the job.
                message = _pending_reply(conn)
                if message is not None:
                    break
                if attempt == 1 or self.closed:
                    return self._crashed(slot, kind)
                self._stop(slot)  # not the content's fault: once more, on a fresh worker

        if message is None:
            try:
                finished = conn.poll(timeout_s)
            except OSError:
                finished = True  # recv below reports the broken pipe
            if not finished:
                self._replace(slot)
                return metadata_only(f"{kind} extraction took longer than {timeout_s:g} s; skipped")
            try:
                message = conn.recv()
            except (EOFError, OSError):
                return self._crashed(slot, kind)
            except Exception:  # an unpicklable reply: treat the worker as broken
                message = None
        try:
            tag, (status, text, title, reason, properties), recycle = message
        except (TypeError, ValueError):
            tag = None
        if tag != RESULT:
            self._replace(slot)
            return metadata_only(f"{kind} extraction failed: bad reply from the parser process")
        if recycle:  # the worker ran out of memory and exits; start its successor now
            self._replace(slot)
        return Extraction(status, text, title, reason, dict(properties or {}))

    def _crashed(self, slot: _Worker, kind: str) -> Extraction:
        if self.closed:
            raise RuntimeError("ExtractionSandbox was closed during the extraction")
        how = _exit_description(slot.process)
        self._replace(slot)
        return metadata_only(f"{kind} extraction failed: the parser process crashed ({how})")

    # -- slots ----------------------------------------------------------------------------

    def _borrow(self) -> _Worker:
        """A free running worker; else a new one when none is busy, or once every running one
        has stayed busy for _GROW_AFTER_S."""
        grow_at = time.monotonic() + _GROW_AFTER_S
        with self._freed:
            while not self.closed:
                idle, nobody_busy = self._idle, len(self._idle) == len(self._slots)
                free = [slot for slot in idle if slot.process is not None] or (
                    idle if nobody_busy or time.monotonic() >= grow_at else [])
                if free:
                    idle.remove(slot := free[-1])
                    return slot
                self._freed.wait(max(0.01, grow_at - time.monotonic()) if idle else None)
        raise RuntimeError("ExtractionSandbox is closed")

    def _give_back(self, slot: _Worker) -> None:
        with self._freed:
            if not self.closed:
                self._idle.append(slot)
                self._freed.notify()
                return
        # Closed while this slot was borrowed: close() killed the process, tidy up the rest.
        self._stop(slot)

    def _ensure_ready(self, slot: _Worker) -> None:
        """Start the slot's worker if needed and wait until it has loaded its parsers."""
        if slot.process is not None and (slot.process.poll() is not None or _peer_gone(slot)):
            self._stop(slot)  # killed while idle, or exited
        for attempt in range(2):
            if slot.process is None:
                self._start(slot)
            if slot.ready:
                return
            assert slot.conn is not None
            try:
                if not slot.conn.poll(_STARTUP_TIMEOUT_S):
                    self._stop(slot)
                    raise RuntimeError(f"extraction worker did not start within {_STARTUP_TIMEOUT_S:g} s")
                tag, detail, _ = slot.conn.recv()
            except (EOFError, OSError):
                if self.closed:
                    raise RuntimeError("ExtractionSandbox is closed") from None
                how = _exit_description(slot.process)
                self._stop(slot)
                if attempt == 0:
                    continue  # killed from outside while starting: one more try
                raise RuntimeError(f"extraction worker exited while starting ({how})") from None
            if tag == READY:
                slot.ready = True
                return
            self._stop(slot)
            raise RuntimeError(f"extraction worker could not start: {detail}")

    def _start(self, slot: _Worker) -> None:
        with self._lock:
            if self.closed:
                raise RuntimeError("ExtractionSandbox is closed")
            parent_end, child_end = socket.socketpair()
            try:
                process = subprocess.Popen(
                    [
                        sys.executable,
                        "-c",
                        _WORKER_BOOT,
                        json.dumps(sys.path),
                        str(child_end.fileno()),
                        self._target,
                        str(self._memory_limit_bytes),
                    ],
                    stdin=subprocess.DEVNULL,
                    env=worker_env(extra=_SINGLE_THREADED),
                    pass_fds=(child_end.fileno(),),
                )
            except BaseException:
                parent_end.close()
                raise
            finally:
                child_end.close()  # only the worker holds its end, so its death reads as EOF
            slot.process, slot.conn, slot.ready = process, Connection(parent_end.detach()), False

    def _replace(self, slot: _Worker) -> None:
        """Kill the slot's worker and start its successor (which loads in the background)."""
        self._stop(slot)
        if not self.closed:
            try:
                self._start(slot)
            except RuntimeError:  # closed meanwhile
                pass

    def _stop(self, slot: _Worker) -> None:
        process, conn = slot.process, slot.conn
        slot.process, slot.conn, slot.ready = None, None, False
        if process is not None:
            _kill(process)
        if conn is not None:
            conn.close()

    def pids(self) -> list[int]:
        with self._lock:
            return [slot.process.pid for slot in self._slots
                    if slot.process is not None and slot.process.poll() is None]

    def close(self) -> None:
        with self._lock:
            if self.closed:
                return
            self.closed = True
            processes = [slot.process for slot in self._slots if slot.process is not None]
        # Kill every worker, the borrowed ones too: their callers wake up on EOF.
        for process in processes:
            _kill(process)
        # Idle slots are ours to tidy; borrowed ones are tidied by their caller (_give_back).
        with self._freed:
            idle, self._idle = self._idle, []
            self._freed.notify_all()  # wakes callers waiting for a worker: they raise
        for slot in idle:
            self._stop(slot)


def _peer_gone(slot: _Worker) -> bool:
    """An idle worker never writes, so a readable pipe means it has exited (EOF)."""
    try:
        return slot.ready and slot.conn is not None and slot.conn.poll(0)
    except OSError:
        return True


def _pending_reply(conn: Connection) -> Any:
    """A reply already sent by a worker that stopped reading, or None."""
    try:
        return conn.recv() if conn.poll(0) else None
    except Exception:  # EOF, broken pipe or garbage: no reply
        return None


def _kill(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL; always reaps the process."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(_KILL_GRACE_S)
            return
        except subprocess.TimeoutExpired:
            process.kill()
    process.wait()


def _exit_description(process: subprocess.Popen[bytes] | None) -> str:
    if process is None:
        return "no process"
    try:
        # EOF arrives as the process exits; give the kernel a moment to finish with it.
        code = process.wait(_KILL_GRACE_S)
    except subprocess.TimeoutExpired:
        return "pipe closed"
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


# A fresh interpreter rather than multiprocessing's spawn, which would first re-import the
# parent's __main__ (a Dagster or pytest entry point: slow, memory-hungry, or unguarded).
# argv: the parent's sys.path (JSON), the pipe's fd, the target, the memory limit in bytes.
_WORKER_BOOT = (
    "import json, sys; sys.path[:] = json.loads(sys.argv[1]); "
    "from s3_ingest.core.extraction.sandbox_worker import worker_entry; worker_entry(sys.argv[2:])"
)
