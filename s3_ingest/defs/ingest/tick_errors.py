"""A sensor tick that fails says which source and why, in words a user can act on.

Dagster shows the exception a tick raised on the tick in the UI and in the daemon's log, and
`s3-ingest status` reads it back from the instance; so the exception is the message. A
SourceError already names the source and what to check; anything else is wrapped so that it
does too. Messages never carry a URL's credentials.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from s3_ingest.core.s3.errors import SourceError
from s3_ingest.core.sources.model import Source

_URL_CREDENTIALS = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)[^/@\s]+@", re.IGNORECASE)


class SensorTickError(RuntimeError):
    """A tick that could not look for changes: nothing was requested, nothing was lost."""


def without_credentials(text: str) -> str:
    return _URL_CREDENTIALS.sub(r"\g<scheme>***@", text)


@contextmanager
def tick_errors(source: Source, sensor: str) -> Iterator[None]:
    try:
        yield
    except SourceError as exc:
        raise SensorTickError(f"{sensor} sensor: {without_credentials(str(exc))}") from None
    except Exception as exc:  # noqa: BLE001 - every failure must reach the tick with its source
        reason = without_credentials(f"{type(exc).__name__}: {exc}".strip(": "))
        raise SensorTickError(
            f"{sensor} sensor of source {source.name!r} (bucket {source.bucket!r}) failed: "
            f"{reason}"
        ) from None
