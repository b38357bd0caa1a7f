"""Progress of a sync on the terminal: on a TTY one line that updates in place, with the counts
so far; piped or redirected, a plain line per update once a partition has run a while (a log
file has no use for carriage returns, nor for a second line, in other words, about a partition
that its result line describes a moment later)."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable
from typing import TextIO

PROGRESS_LOGGER = "s3_ingest.progress"


class ProgressLine(logging.Handler):
    def __init__(self, stream: TextIO) -> None:
        super().__init__()
        self.stream, self.shown = stream, False

    def emit(self, record: logging.LogRecord) -> None:
        width = 120
        self.stream.write("\r\033[K  … " + record.getMessage()[: width - 4])
        self.stream.flush()
        self.shown = True

    def clear(self) -> None:
        if self.shown:
            self.stream.write("\r\033[K")
            self.stream.flush()
            self.shown = False


class LongRunsOnly(logging.Filter):
    """Passes progress only once a partition has been running `after_s`: a quick partition's
    result line says it all."""

    def __init__(self, after_s: float = 3.0, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.after_s, self.clock = after_s, clock
        self.first_seen: float | None = None

    def filter(self, record: logging.LogRecord) -> bool:
        now = self.clock()
        if self.first_seen is None:
            self.first_seen = now
        return now - self.first_seen >= self.after_s

    def reset(self) -> None:
        self.first_seen = None


_line: ProgressLine | None = None
_piped: LongRunsOnly | None = None


def setup_progress(stream: TextIO | None = None) -> None:
    global _line, _piped
    stream = stream or sys.stderr
    progress = logging.getLogger(PROGRESS_LOGGER)
    progress.handlers.clear()
    if stream.isatty():
        _line = ProgressLine(stream)
        progress.addHandler(_line)
    else:
        handler = logging.StreamHandler(stream)
        handler.setFormatter(logging.Formatter("  … %(message)s"))
        _piped = LongRunsOnly()
        handler.addFilter(_piped)
        progress.addHandler(handler)
    progress.setLevel(logging.INFO)
    progress.propagate = False


def clear_progress() -> None:
    """Before a line of its own is printed, the updating line makes room (and the next
    partition's progress starts anew)."""
    if _line is not None:
        _line.clear()
    if _piped is not None:
        _piped.reset()
