"""AWS faults, injected into the local stack (and the tests) on purpose.

`FAULTS.inject(Fault(...))` makes the matching AWS calls of one function fail as AWS makes
them fail: the error botocore raises for that answer (a `ProvisionedThroughputExceeded`,
a `ThrottlingException`, a 500 `InternalServerError`, SES's `Throttling`…), modeled class
included, so the code under test sees what it would see once botocore's own retries are
spent. A fault may also let the call through first (`after=True`: the write lands, its
answer is lost, as with a 500 after the commit or a timeout) or stop the function dead after
its k-th matching call (`kill_after=k`: a Lambda timeout or crash mid-batch; `Killed` is a
BaseException, so no `except Exception` in the handler can swallow it).

Attribution is the IAM proof's (infra/calls.py): the running handler names the function,
the local stream pump acts as AwardPointsFunction. Installed once per process by wrapping
botocore's `BaseClient._make_api_call`, the one door every boto3 client and PynamoDB use;
with no fault injected it adds one list lookup per call. Local only: nothing in functions/
knows of it.
"""
from __future__ import annotations

import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from infra.calls import current_function


class Killed(BaseException):
    """The function was stopped dead (a timeout, a crash): nothing after this call ran."""


@dataclass
class Fault:
    """Calls of `function` (logical id; None: any) to `operation` ("dynamodb.PutItem";
    "dynamodb.PutItem|UpdateItem": either; "dynamodb.*": every operation of the service)
    fail with `code` and `status`.

    times: how many matching calls fail (None: until removed); skip: let that many matching
    calls through first; when: a further test on the call's parameters; after: make the
    call, then fail (the work is done, the answer lost); kill_after: let k calls through,
    then raise Killed at the k-th's answer (once)."""
    operation: str
    function: str | None = None
    code: str = "InternalServerError"
    status: int = 500
    message: str = "injected fault"
    times: int | None = None
    skip: int = 0
    when: Callable[[dict[str, Any]], bool] | None = None
    after: bool = False
    kill_after: int | None = None
    seen: int = 0  # matching calls so far
    fired: int = 0  # failures raised so far
    calls: list[str] = field(default_factory=list)  # "<operation> <outcome>", for a report

    def matches(self, function: str | None, operation: str, params: dict[str, Any]) -> bool:
        if self.function is not None and function != self.function:
            return False
        service, _, name = self.operation.partition(".")
        wanted_service, wanted_name = operation.split(".", 1)
        if service != wanted_service or (name != "*" and wanted_name not in name.split("|")):
            return False
        return self.when is None or bool(self.when(params))

    @classmethod
    def from_json(cls, data: Any) -> Fault:
        """A fault from `POST /_local/faults`'s body (JSON: no `when`, no callable)."""
        if not isinstance(data, dict) or not isinstance(data.get("operation"), str):
            raise ValueError('a fault is {"operation": "dynamodb.PutItem", ...}')
        allowed = {"operation", "function", "code", "status", "message", "times", "skip",
                   "after", "kill_after"}
        unknown = sorted(set(data) - allowed)
        if unknown:
            raise ValueError(f"unknown fault field(s) {unknown}; allowed: {sorted(allowed)}")
        if "." not in data["operation"]:
            raise ValueError('operation is "<service>.<Operation>", e.g. "dynamodb.PutItem"')
        return cls(**data)

    def describe(self) -> dict[str, Any]:
        return {"operation": self.operation, "function": self.function, "code": self.code,
                "status": self.status, "times": self.times, "skip": self.skip,
                "after": self.after, "kill_after": self.kill_after, "seen": self.seen,
                "fired": self.fired}

    @property
    def spent(self) -> bool:
        if self.kill_after is not None:
            return self.fired >= 1
        return self.times is not None and self.fired >= self.times


def client_error(client: Any, operation: str, code: str, status: int, message: str) -> Exception:
    """The exception botocore raises for an error answer: the service's modeled class when
    it has one (`client.exceptions.ProvisionedThroughputExceededException`), else
    ClientError, with the parsed response botocore would give."""
    response = {"Error": {"Code": code, "Message": message},
                "ResponseMetadata": {"HTTPStatusCode": status, "RetryAttempts": 0,
                                     "HTTPHeaders": {}}}
    return client.exceptions.from_code(code)(response, operation)


class Faults:
    """The faults in force in this process."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self._installed = False

    def inject(self, fault: Fault) -> Fault:
        self.install()
        with self._lock:
            self._faults.append(fault)
        return fault

    def remove(self, fault: Fault | None = None) -> None:
        """One fault, or (None) every fault."""
        with self._lock:
            self._faults = [] if fault is None else [f for f in self._faults if f is not fault]

    def listed(self) -> list[dict[str, Any]]:
        with self._lock:
            return [f.describe() for f in self._faults]

    @contextmanager
    def active(self, *faults: Fault) -> Iterator[tuple[Fault, ...]]:
        for fault in faults:
            self.inject(fault)
        try:
            yield faults
        finally:
            for fault in faults:
                self.remove(fault)

    def _match(self, operation: str, params: dict[str, Any]) -> Fault | None:
        """The first live fault for this call, counted (under the lock: threads call too)."""
        if not self._faults:
            return None
        function = current_function()
        with self._lock:
            for fault in self._faults:
                if fault.spent or not fault.matches(function, operation, params):
                    continue
                fault.seen += 1
                if fault.kill_after is not None:
                    if fault.seen != fault.kill_after:
                        continue
                    fault.fired += 1
                    return fault
                if fault.seen <= fault.skip:
                    continue
                fault.fired += 1
                return fault
        return None

    def install(self) -> None:
        """Wrap botocore's one door for API calls (idempotent; after infra.calls', if any, so
        a failed call is still recorded as made: IAM is checked before the answer)."""
        with self._lock:
            if self._installed:
                return
            self._installed = True
        from botocore.client import BaseClient

        original = BaseClient._make_api_call

        def _make_api_call(client: Any, operation_name: str, params: dict[str, Any]) -> Any:
            if not self._faults:
                return original(client, operation_name, params)
            operation = f"{client.meta.service_model.service_name}.{operation_name}"
            fault = self._match(operation, params)
            if fault is None:
                return original(client, operation_name, params)
            if fault.kill_after is not None:
                original(client, operation_name, params)
                fault.calls.append(f"{operation} killed after")
                raise Killed(f"{fault.function or 'function'} killed after call "
                             f"{fault.kill_after} ({operation})")
            if fault.after:
                original(client, operation_name, params)
            fault.calls.append(f"{operation} {fault.code}")
            raise client_error(client, operation_name, fault.code, fault.status, fault.message)

        BaseClient._make_api_call = _make_api_call


FAULTS = Faults()

# Every DynamoDB operation that writes.
DYNAMODB_WRITES = ("dynamodb.PutItem|UpdateItem|DeleteItem|BatchWriteItem|TransactWriteItems")

# The errors the issue names, as AWS answers them (status, code).
THROTTLED = {"code": "ProvisionedThroughputExceededException", "status": 400}
THROTTLING = {"code": "ThrottlingException", "status": 400}
SERVER_ERROR = {"code": "InternalServerError", "status": 500}
SES_THROTTLED = {"code": "Throttling", "status": 400}
SES_UNAVAILABLE = {"code": "ServiceUnavailable", "status": 503}
