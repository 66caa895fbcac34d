"""schemathesis over the employee routes of docs/openapi.yaml, against the local stack, as a
signed-in employee: whatever it sends (valid and invalid inputs), the answer is never a 5xx,
and every answer with a body is JSON. Bounded: a few examples per operation and mode.

schemathesis's pytest plugin does not run on pytest 9 (it reads a removed attribute), so
each operation's Hypothesis strategy is run here directly."""
from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

OPENAPI = Path(__file__).resolve().parents[2] / "docs" / "openapi.yaml"
EXAMPLES = 8


@pytest.fixture(scope="module")
def employee(stack):
    """A demo employee who is not an admin: the Authorization header."""
    email, password, _admin = next(login for login in stack.demo.logins if not login[2])
    return {"Authorization": f"Bearer {stack.sign_in(email, password)['IdToken']}"}


def _operations():
    schema = schemathesis.openapi.from_path(OPENAPI)
    # DELETE /me would delete the employee the other examples sign in as.
    chosen = schema.include(tag="employee").exclude(method="DELETE", path="/me")
    return [result.ok() for result in chosen.get_all_operations()]


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_employee_route_answers_a_server_error(stack, employee, mode):
    operations = _operations()
    assert len(operations) >= 15

    for operation in operations:
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy(generation_mode=mode))
        def call(case):
            response = case.call(base_url=stack.gateway_url, headers=employee, timeout=30)
            where = (case.method, case.formatted_path, case.query, case.body)
            assert response.status_code < 500, (where, response.text[:300])
            if response.content:  # schemathesis keeps headers lower-case, as lists
                assert response.headers.get("content-type", [""])[0].startswith(
                    "application/json"), where

        call()
