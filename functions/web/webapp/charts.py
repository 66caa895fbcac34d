"""A daily series as an inline SVG chart, drawn on the server: no JavaScript, no third-party
request, no inline style (the CSP refuses it: geometry is in SVG attributes, colours in
app.css classes). Pages show the same figures in a table beside it."""
from __future__ import annotations

from dataclasses import dataclass

WIDTH, HEIGHT = 720, 200


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class DailyChart:
    bars: list[Bar]  # the first series, one bar a day
    line: str  # the second series, an SVG polyline's points
    top: int  # the value at the chart's top edge
    width: int = WIDTH
    height: int = HEIGHT


def _nice_top(value: int) -> int:
    """The smallest of 1, 2, 5 x 10^n at or above `value`."""
    top = 1
    while top < value:
        top = top * 5 // 2 if str(top)[0] == "2" else top * 2
    return top


def daily_chart(bars: list[int], line: list[int]) -> DailyChart:
    count = max(len(bars), 1)
    top = _nice_top(max([*bars, *line, 1]))
    slot = WIDTH / count
    gap = 0.2 * slot if slot > 3 else 0
    out = []
    for i, value in enumerate(bars):
        height = HEIGHT * value / top
        out.append(Bar(round(i * slot + gap / 2, 2), round(HEIGHT - height, 2),
                       round(slot - gap, 2), round(height, 2)))
    points = " ".join(f"{round(i * slot + slot / 2, 2)},{round(HEIGHT - HEIGHT * v / top, 2)}"
                      for i, v in enumerate(line))
    return DailyChart(out, points, top)
