"""What a person does in the Dagster UI, done over its GraphQL endpoint (the UI's own calls): a
backfill of a documents asset's partitions."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

LAUNCH_BACKFILL = """
mutation Launch($params: LaunchBackfillParams!) {
  launchPartitionBackfill(backfillParams: $params) {
    __typename
    ... on LaunchBackfillSuccess { backfillId }
    ... on PythonError { message }
    ... on InvalidStepError { invalidStepKey }
    ... on UnauthorizedError { message }
  }
}"""


def graphql(port: int, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": query, "variables": variables or {}}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        answer = json.load(response)
    if answer.get("errors"):
        raise AssertionError(f"GraphQL errors: {answer['errors']}")
    return answer["data"]


def launch_backfill(port: int, source: str, partitions: list[str]) -> str:
    """The UI's "Materialize" of chosen partitions of `<source>/documents`: a backfill's id."""
    params = {"assetSelection": [{"path": [source, "documents"]}],
              "partitionNames": partitions, "fromFailure": False}
    result = graphql(port, LAUNCH_BACKFILL, {"params": params})["launchPartitionBackfill"]
    if result["__typename"] != "LaunchBackfillSuccess":
        raise AssertionError(f"the backfill was not launched: {result}")
    return result["backfillId"]
