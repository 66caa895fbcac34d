"""Run every benchmark once, print a table, write bench-results.json at the repo root."""
from __future__ import annotations

import json

from bench import (
    award_points, board, clicks, cost, deploy, poll_feeds, poll_hostile, security, shop, stats,
    track_click, web,
)
from bench.harness import ROOT, Figure

SUITES = (track_click, clicks, poll_feeds, poll_hostile, award_points, board, cost, shop, web,
          stats, deploy, security)


def main(names: list[str] | None = None) -> None:
    """Every suite, or only those named (`python -m bench shop award_points`)."""
    chosen = [s for s in SUITES if not names or s.__name__.rsplit(".", 1)[-1] in names]
    figures: list[Figure] = []
    for suite in chosen:
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
    import sys

    main(sys.argv[1:])
