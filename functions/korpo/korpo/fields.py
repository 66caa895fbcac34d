"""A form's fields checked all at once: each one read, every wrong one named (GOV.UK's error
summary lists them together, so a person fixes them in one go, not one per try).

Each package's own error for a wrong field (`InvalidReward`, `InvalidPost`, …) is a
`FieldError`; `check_all` runs a form's checks and raises the first wrong one, carrying all of
them in `errors`.
"""
from __future__ import annotations

from typing import Any, Callable


class FieldError(ValueError):
    """A wrong field; `errors` is every wrong field of the same form, this one first."""

    _all: list["FieldError"] | None = None

    @property
    def errors(self) -> list["FieldError"]:
        return self._all or [self]


def check_all(*reads: Callable[[], Any], error: type[FieldError]) -> list[Any]:
    """Each read's value, in order (None for a wrong one); when any raised `error`, the first
    is raised with all of them in its `errors`."""
    values: list[Any] = []
    wrong: list[FieldError] = []
    for read in reads:
        try:
            values.append(read())
        except error as found:
            wrong.extend(found.errors)
            values.append(None)
    if wrong:
        first = wrong[0]
        first._all = wrong
        raise first
    return values
