"""Progress of a sync on the terminal: on a TTY one line that updates in place, with the counts
so far; piped or redirected, a plain line per update (a log file has no use for carriage
returns)."""

from __future__ import annotations

import logging
import sys
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


_line: ProgressLine | None = None


def setup_progress(stream: TextIO | None = None) -> None:
    global _line
    stream = stream or sys.stderr
    progress = logging.getLogger(PROGRESS_LOGGER)
    progress.handlers.clear()
    if stream.isatty():
        _line = ProgressLine(stream)
        progress.addHandler(_line)
    else:
        handler = logging.StreamHandler(stream)
        handler.setFormatter(logging.Formatter("  … %(message)s"))
        progress.addHandler(handler)
    progress.setLevel(logging.INFO)
    progress.propagate = False


def clear_progress() -> None:
    """Before a line of its own is printed, the updating line makes room."""
    if _line is not None:
        _line.clear()
