"""The Dagster layer: it only wires the core into resources, partitions, assets, sensors, checks."""
