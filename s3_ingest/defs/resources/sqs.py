"""The SQS client of a source's event queue: the source's credentials and retries, the queue's
own region and endpoint."""

from __future__ import annotations

from typing import Any

from s3_ingest.core.s3.client import make_client
from s3_ingest.core.sources.model import Source
from s3_ingest.defs.asset_layout import source_id
from s3_ingest.defs.resources.s3 import S3SourceResource, s3_resource_for


class SqsQueueResource(S3SourceResource):
    queue_url: str = ""

    def get_client(self) -> Any:
        if self._client is None:
            self._client = make_client(self.client_settings(), service="sqs")
        return self._client


def sqs_resource_key(source: Source) -> str:
    return f"sqs_{source_id(source)}"


def _queue_use_ssl(source: Source) -> bool:
    """The source's use_ssl is about its S3 endpoint: it reaches the queue only through a bare
    events endpoint (a local broker); AWS's own SQS endpoint is always https."""
    assert source.events is not None
    endpoint = source.events.endpoint
    if not endpoint:
        return True
    if "://" in endpoint:
        return not endpoint.startswith("http://")
    return source.use_ssl is not False


def sqs_resource_for(source: Source) -> SqsQueueResource:
    assert source.events is not None
    base = s3_resource_for(source)
    fields = {
        name: getattr(base, name)
        for name in S3SourceResource.model_fields
        if name not in ("endpoint_url", "region_name", "path_style", "use_ssl")
    }
    return SqsQueueResource(
        **fields,
        use_ssl=_queue_use_ssl(source),
        endpoint_url=source.events.endpoint,
        region_name=source.events.region or source.region,
        queue_url=source.events.queue_url,
    )
