"""The names of what a Definitions object holds, by kind, to compare two ways of loading."""

from __future__ import annotations

from dagster import Definitions


def definition_names(defs: Definitions) -> dict[str, set[str]]:
    repo = defs.get_repository_def()
    return {
        "assets": {k.to_user_string() for k in repo.asset_graph.get_all_asset_keys()},
        "checks": {f"{k.asset_key.to_user_string()}:{k.name}"
                   for k in repo.asset_graph.asset_check_keys},
        "jobs": {j.name for j in repo.get_all_jobs() if not j.name.startswith("__")},
        "sensors": {s.name for s in repo.sensor_defs},
        "schedules": {s.name for s in repo.schedule_defs},
        "resources": set(repo.get_top_level_resources()),
    }
