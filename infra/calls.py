"""Which AWS calls each function makes: recorded while the tests run, for the IAM proof.

Attribution: the handler that is running names the function (`acting_as`, set by
infra/functions.py around each handler, import included, and by the local stack's stream
pump, which reads the stream as Lambda's event source mapping does: with the function's
role). Threads a handler starts carry its name on (a thread pool's tasks, raw threads).
Calls made outside any handler (a test seeding data, the smoke test, `make admin`) use
someone else's credentials and are not recorded.

Recording: `install()` wraps botocore's `BaseClient._make_api_call`, which every boto3 client
and PynamoDB go through, once per process. Each call becomes the permissions it needs
(`infra/iam_actions.py`), kept once per distinct need with the first test that needed it.
Without `install()` (Lambda, `make run`) nothing is recorded: `acting_as` only sets a
context variable.
"""
from __future__ import annotations

import contextvars
import functools
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable, Iterator

_function: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "korpo_function", default=None)


def current_function() -> str | None:
    return _function.get()


@contextmanager
def acting_as(function: str | None) -> Iterator[None]:
    """AWS calls made inside are the function's (its role's); None: nobody's."""
    token = _function.set(function)
    try:
        yield
    finally:
        _function.reset(token)


def attributed(function: str, handler: Callable[..., Any]) -> Callable[..., Any]:
    """The handler, whose AWS calls are the function's."""
    @functools.wraps(handler)
    def run(*args: Any, **kwargs: Any) -> Any:
        with acting_as(function):
            return handler(*args, **kwargs)
    run.__korpo_function__ = function  # type: ignore[attr-defined]
    return run


@dataclass(frozen=True)
class Need:
    """One permission a call needs: an IAM action on a resource, and the values of the
    condition keys the call sets. `resource` is what the call names, as recorded (a table
    name, a queue URL, a pool id…), in `kind`; infra/iam.py turns it into the ARN a real
    deployment would have."""
    function: str
    action: str  # "dynamodb:PutItem"
    kind: str  # "table", "index", "stream", "queue", "userpool", "identity", "parameter",
    #            "log-stream", "arn" (already the deployment's ARN), "*" (the action takes
    #            no resource), "unknown" (no rule for this call yet)
    resource: str
    context: tuple[tuple[str, str], ...] = ()  # (condition key, value), e.g. ses:FromAddress
    operation: str = ""  # the API operation that needed it: "dynamodb.TransactWriteItems"


class Recorder:
    """Every distinct Need seen, with the first test (PYTEST_CURRENT_TEST) that had it."""

    def __init__(self) -> None:
        self.needs: dict[Need, str] = {}
        self._lock = threading.Lock()
        self._iterators: dict[str, str] = {}  # shard iterator -> stream ARN (GetRecords)

    def add(self, needs: list[Need]) -> None:
        with self._lock:
            for need in needs:
                if need not in self.needs:
                    self.needs[need] = os.environ.get("PYTEST_CURRENT_TEST", "").split(" ")[0]

    # The streams API names its stream by an opaque iterator: remember whose it is.
    def stream_of(self, iterator: str) -> str:
        return self._iterators.get(iterator, "")

    def remember_iterator(self, iterator: str | None, stream_arn: str) -> None:
        if iterator and stream_arn:
            with self._lock:
                if len(self._iterators) > 100_000:  # bounded: a long local run
                    self._iterators.clear()
                self._iterators[iterator] = stream_arn


RECORDER = Recorder()
_installed = False
_install_lock = threading.Lock()


def install() -> Recorder:
    """Record every AWS call made on behalf of a function into RECORDER, from now on, in
    this process (idempotent)."""
    global _installed
    recorder = RECORDER
    with _install_lock:
        if _installed:
            return recorder
        _installed = True
    from botocore.client import BaseClient

    from infra.iam_actions import needs_of

    original = BaseClient._make_api_call

    def _make_api_call(client: Any, operation: str, params: dict[str, Any]) -> Any:
        function = _function.get()
        if function is None:
            return original(client, operation, params)
        model = client.meta.service_model
        recorder.add(needs_of(function, model, operation, params, recorder.stream_of))
        result = original(client, operation, params)
        if model.service_name == "dynamodbstreams" and isinstance(result, dict):
            arn = params.get("StreamArn") or recorder.stream_of(params.get("ShardIterator", ""))
            recorder.remember_iterator(result.get("ShardIterator"), arn)
            recorder.remember_iterator(result.get("NextShardIterator"), arn)
        return result

    BaseClient._make_api_call = _make_api_call
    _carry_function_into_threads()
    return recorder


def _carry_function_into_threads() -> None:
    """A task submitted to a thread pool, or a thread started, inside a handler is the
    handler's: it runs in a copy of the submitter's context (contextvars are per thread)."""
    submit = ThreadPoolExecutor.submit

    def submit_in_context(self: ThreadPoolExecutor, fn: Callable[..., Any], /, *args: Any,
                          **kwargs: Any) -> Any:
        if _function.get() is None:
            return submit(self, fn, *args, **kwargs)
        return submit(self, contextvars.copy_context().run, fn, *args, **kwargs)

    ThreadPoolExecutor.submit = submit_in_context  # type: ignore[method-assign]

    start = threading.Thread.start

    def start_in_context(self: threading.Thread) -> None:
        if _function.get() is not None:
            context = contextvars.copy_context()
            run = self.run
            self.run = lambda: context.run(run)  # type: ignore[method-assign]
        start(self)

    threading.Thread.start = start_in_context  # type: ignore[method-assign]
