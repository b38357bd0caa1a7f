"""Schemathesis drives the API from its own OpenAPI schema - parameters that fit it and ones
that do not - and no request gets a server error. Bounded: 30 examples per operation and mode.

(Each operation's strategy runs under Hypothesis here rather than through
`schemathesis.pytest.from_fixture`, whose parametrisation reads a private pytest attribute
that pytest 9 no longer has.)"""

from __future__ import annotations

import hypothesis
import pytest
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode

from s3_ingest_tests.serve.api import api, bearer
from s3_ingest_tests.serve.corpus import STAFF_TOKEN

SETTINGS = hypothesis.settings(max_examples=30, deadline=None, derandomize=True, database=None,
                               suppress_health_check=list(hypothesis.HealthCheck))


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_input_gets_a_server_error(tmp_path, mode):
    with api(str(tmp_path / "index.db"), tmp_path) as (client, _):
        schema = schemathesis.openapi.from_asgi("/openapi.json", client.app)
        operations = [result.ok() for result in schema.get_all_operations()]
        assert {op.path for op in operations} == {"/search", "/documents/{source}/{key}",
                                                  "/health"}
        calls: list[int] = []
        for operation in operations:
            if mode is GenerationMode.NEGATIVE and operation.path == "/health":
                continue  # no parameters: nothing to get wrong
            @SETTINGS
            @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
            def no_server_error(case):
                response = case.call_and_validate(headers=bearer(STAFF_TOKEN),
                                                  checks=[not_a_server_error])
                calls.append(response.status_code)

            no_server_error()
        assert len(calls) > 30 and all(status < 500 for status in calls)
