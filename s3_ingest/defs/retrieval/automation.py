"""The sensor that evaluates the chunks assets' automation conditions, one per source.

It starts running when the source's sensors do (`sensor_running`), stopped otherwise, like
every other sensor of the project: turning a source's sensors on in the UI means turning this
one on too, or chunks wait for a manual run.
"""

from __future__ import annotations

from dagster import AssetSelection, AutomationConditionSensorDefinition, DefaultSensorStatus

from s3_ingest.core.sources.model import Source
from s3_ingest.defs.asset_layout import definition_name, source_id
from s3_ingest.defs.ingest.partitions import SOURCE_TAG
from s3_ingest.defs.retrieval.assets import chunks_asset_key


def build_chunks_automation_sensor(source: Source) -> AutomationConditionSensorDefinition:
    return AutomationConditionSensorDefinition(
        name=definition_name(source, "chunks_automation"),
        # The chunks asset and the source's own assets after it (the Parquet export, when
        # on) - not a project's assets downstream of chunks: those belong to the project's
        # automation sensor, and an asset two sensors target fails the load.
        target=AssetSelection.assets(chunks_asset_key(source)).downstream()
        & AssetSelection.tag(SOURCE_TAG, source_id(source)),
        default_status=(
            DefaultSensorStatus.RUNNING if source.sensor_running else DefaultSensorStatus.STOPPED
        ),
        minimum_interval_seconds=30,
        description=f"Runs {source.name}/chunks for each documents partition that changed.",
    )
