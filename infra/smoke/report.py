"""What a check answers, and how it is printed: one line, then its details indented."""
from __future__ import annotations

from dataclasses import dataclass

OK, WARNING, FAILED, SKIPPED = "ok", "warning", "FAILED", "skipped"
# Every HTTP call of the smoke gives up after this long; polling loops have their own
# deadline (run.py's --wait).
HTTP_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class Result:
    name: str
    state: str  # OK | WARNING (not the deployment's fault) | FAILED | SKIPPED
    message: str
    details: tuple[str, ...] = ()

    def lines(self) -> list[str]:
        return [f"{self.state:<8} {self.name}: {self.message}",
                *(f"{'':<9}{detail}" for detail in self.details)]


def failed(name: str, message: str, *details: str) -> Result:
    return Result(name, FAILED, message, details)
