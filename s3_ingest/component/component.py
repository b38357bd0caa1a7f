"""s3_ingest as a Dagster component: one defs.yaml per source in a user's own project.

Its attributes are a sources-file entry (model.py); build_defs returns exactly what the
standalone code location builds for that source (defs/source_definitions.py).
"""

from __future__ import annotations

from dagster import Component, ComponentLoadContext, Definitions, scaffold_with
from pydantic import BaseModel

from s3_ingest.component.model import S3SourceAttributes
from s3_ingest.component.scaffolder import S3SourceScaffolder


@scaffold_with(S3SourceScaffolder)
class S3SourceComponent(Component):
    """One S3 bucket prefix, kept in a searchable document index.

    Documents and chunks assets partitioned by prefix, a poll sensor (and an SQS events
    sensor), a daily reconcile, drift checks and a freshness policy, for a bucket on S3 or an
    S3-compatible store. The attributes are those of an entry of s3_ingest's sources file.

    Every source of the project shares one index (`s3_ingest_index`, from
    $S3_INGEST_INDEX_URL, default .s3_ingest/index.db) and one embedder
    (`s3_ingest_embedder`) - unless the project defines a resource of that key itself - and
    one `index_housekeeping` job; search the index with `s3-ingest search`.
    """

    def __init__(self, attributes: S3SourceAttributes) -> None:
        self.attributes = attributes

    @classmethod
    def get_model_cls(cls) -> type[BaseModel]:
        return S3SourceAttributes

    @classmethod
    def load(cls, attributes: BaseModel | None, context: ComponentLoadContext) -> S3SourceComponent:
        assert isinstance(attributes, S3SourceAttributes)
        return cls(attributes)

    def build_defs(self, context: ComponentLoadContext) -> Definitions:
        from s3_ingest.component.project import project_of
        from s3_ingest.defs.ingest.queue_visibility import warn_short_visibility_timeouts
        from s3_ingest.defs.source_definitions import (
            build_project_definitions, build_source_definitions,
        )

        warn_short_visibility_timeouts([self.attributes])  # warns, never fails the load
        own = build_source_definitions(self.attributes)
        project = project_of(context, self.attributes, S3SourceComponent)
        if not project.is_led_by(self.attributes):
            return own
        return Definitions.merge(own, build_project_definitions(
            project.sources, leave=project.bound_resource_keys()))
