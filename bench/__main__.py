"""Run every benchmark once, print a table, write bench-results.json at the repo root."""
from __future__ import annotations

import json

from bench import award_points, board, cost, poll_feeds, poll_hostile, track_click
from bench.harness import ROOT, Figure

SUITES = (track_click, poll_feeds, poll_hostile, award_points, board, cost)


def main() -> None:
    figures: list[Figure] = []
    for suite in SUITES:
        figures.extend(suite.run())
    width = max(len(f.name) for f in figures)
    print(f"{'figure':<{width}}  {'value':>10}  {'unit':<10}  goal")
    for f in figures:
        print(f"{f.name:<{width}}  {f.value:>10.3f}  {f.unit:<10}  {f.goal}")
    results = {f.name: {"value": round(f.value, 4), "unit": f.unit, "goal": f.goal}
               for f in figures}
    (ROOT / "bench-results.json").write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nwrote {ROOT / 'bench-results.json'}")


if __name__ == "__main__":
    main()
